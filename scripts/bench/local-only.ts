/**
 * Keeps the benchmark on this machine. `fetchLoopbackOnly()` replaces `globalThis.fetch`
 * with one that refuses any host but 127.0.0.1 / localhost / ::1 (the only other fetch in
 * reach is @simplewebauthn/server's CRL download, which treats a failed fetch as "not
 * revoked"; the test certificates carry no CRL URLs anyway). `openBenchMongo()` starts the
 * in-memory Java MongoDB test server (test/helpers/mongo-test-server.ts) and opens a fresh
 * database on it, or explains in one line why it cannot; an external MONGODB_URI is used
 * only when it points at a loopback address.
 */
import { randomBytes } from 'node:crypto';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { startMongoTestServer } from '../../test/helpers/mongo-test-server.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Installs the loopback-only fetch; returns the list of refused URLs (live). */
export function fetchLoopbackOnly(): string[] {
  const refused: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    if (!LOOPBACK.has(url.hostname)) {
      refused.push(url.href);
      return Promise.reject(new TypeError(`bench: network access outside 127.0.0.1 refused (${url.href})`));
    }
    return realFetch(input, init);
  }) as typeof fetch;
  return refused;
}

export interface BenchMongo {
  store: Store;
  /** Where it runs, for the report (e.g. "mongo-java-server 127.0.0.1:40123"). */
  where: string;
  close(): Promise<void>;
}

export async function openBenchMongo(): Promise<BenchMongo | { skipped: string }> {
  const external = process.env.MONGODB_URI;
  if (external && !/^mongodb:\/\/(?:[^@/]*@)?(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?]|$)/.test(external)) {
    return { skipped: 'MONGODB_URI is not a loopback mongodb:// address (this benchmark only talks to 127.0.0.1)' };
  }
  let server;
  try {
    server = await startMongoTestServer();
  } catch (err) {
    return { skipped: `mongo test server failed to start: ${(err as Error).message.split('\n')[0]}` };
  }
  if ('skipped' in server) return { skipped: server.skipped };
  const srv = server;
  try {
    const store = await openMongoStore({ uri: srv.uri, dbName: `keygate_bench_${randomBytes(4).toString('hex')}`, serverSelectionTimeoutMS: 5000 });
    return {
      store,
      where: `${external ? 'MONGODB_URI' : 'mongo-java-server (in-memory)'} at ${new URL(srv.uri.replace(/^mongodb/, 'http')).host}`,
      async close() {
        await store.close();
        await srv.stop();
      },
    };
  } catch (err) {
    await srv.stop();
    return { skipped: `could not open the MongoDB store: ${(err as Error).message.split('\n')[0]}` };
  }
}
