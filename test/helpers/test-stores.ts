/**
 * The stores every storage-facing suite runs against: memory always, MongoDB when the
 * global setup could start (or was given) one. Each `open()` gives a fresh, empty store
 * (a new database on the shared server).
 *
 * Without MongoDB the Mongo cases are left out (global-setup.mjs prints the one loud line
 * saying why); with `REQUIRE_MONGO=1` (CI) every Mongo case fails instead.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';

export interface StoreFactory {
  name: 'memory' | 'mongo';
  open(): Promise<Store>;
}

export function testStores(): StoreFactory[] {
  const factories: StoreFactory[] = [{ name: 'memory', open: async () => createMemoryStore() }];
  const uri = process.env.KEYGATE_TEST_MONGODB_URI;
  if (uri) {
    factories.push({ name: 'mongo', open: () => openMongoStore({ uri, dbName: `keygate_test_${randomBytes(6).toString('hex')}`, serverSelectionTimeoutMS: 3000 }) });
  } else {
    const why = process.env.KEYGATE_TEST_MONGODB_SKIP ?? 'no MongoDB test server';
    if (process.env.REQUIRE_MONGO === '1') {
      factories.push({ name: 'mongo', open: () => Promise.reject(new Error(`REQUIRE_MONGO=1 but the MongoDB suite cannot run: ${why}`)) });
    }
  }
  return factories;
}
