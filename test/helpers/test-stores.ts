/**
 * The stores every storage-facing suite runs against: memory always, MongoDB when the
 * global setup could start (or was given) one. Each `open()` gives a fresh, empty store
 * (a new database on the shared server).
 *
 * Without MongoDB the Mongo cases are skipped with one loud line; with `REQUIRE_MONGO=1`
 * (CI) that is a failure instead.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';

export interface StoreFactory {
  name: 'memory' | 'mongo';
  open(): Promise<Store>;
}

let warned = false;

export function testStores(): StoreFactory[] {
  const factories: StoreFactory[] = [{ name: 'memory', open: async () => createMemoryStore() }];
  const uri = process.env.KEYGATE_TEST_MONGODB_URI;
  if (uri) {
    factories.push({ name: 'mongo', open: () => openMongoStore({ uri, dbName: `keygate_test_${randomBytes(6).toString('hex')}`, serverSelectionTimeoutMS: 3000 }) });
  } else {
    const why = process.env.KEYGATE_TEST_MONGODB_SKIP ?? 'no MongoDB test server';
    if (process.env.REQUIRE_MONGO === '1') {
      factories.push({ name: 'mongo', open: () => Promise.reject(new Error(`REQUIRE_MONGO=1 but the MongoDB suite cannot run: ${why}`)) });
    } else if (!warned) {
      warned = true;
      console.warn(`\n!!! MongoDB suite SKIPPED: ${why}. Set MONGODB_URI or run scripts/mongo-test-server/fetch.sh. !!!\n`);
    }
  }
  return factories;
}
