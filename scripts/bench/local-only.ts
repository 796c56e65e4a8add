/**
 * Keeps the benchmark on this machine. `fetchLoopbackOnly()` replaces `globalThis.fetch`
 * with one that refuses any host but 127.0.0.1 / localhost / ::1 (the only other fetch in
 * reach is @simplewebauthn/server's CRL download, which treats a failed fetch as "not
 * revoked"; the test certificates carry no CRL URLs anyway). `startBenchMongo()` starts the
 * in-memory Java MongoDB test server (test/helpers/mongo-test-server.ts), or explains in one
 * line why it cannot; an external MONGODB_URI is used
 * only when it points at a loopback address.
 */
import { randomBytes } from 'node:crypto';
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
  /** Connection string of the test server (each bench server gets its own database on it). */
  uri: string;
  /** Where it runs, for the report (e.g. "mongo-java-server (in-memory) at 127.0.0.1:40123"). */
  where: string;
  stop(): Promise<void>;
}

/** Starts the MongoDB test server (or uses a loopback MONGODB_URI), or says in one line why not. */
export async function startBenchMongo(): Promise<BenchMongo | { skipped: string }> {
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
  return {
    uri: srv.uri,
    where: `${external ? 'MONGODB_URI' : 'mongo-java-server (in-memory)'} at ${new URL(srv.uri.replace(/^mongodb/, 'http')).host}`,
    stop: () => srv.stop(),
  };
}

/** A fresh database name on the bench MongoDB. */
export const benchDbName = (what: string) => `keygate_bench_${what}_${randomBytes(4).toString('hex')}`;
