/**
 * WORKERS=N (server/src/main.ts + run-primary.ts): one REAL keygate started as an operator
 * would (`WORKERS=2`, environment only) runs a node:cluster primary and two worker processes
 * sharing one port and one MongoDB database.
 *
 * Every request below goes on a NEW connection (no keep-alive), and cluster hands new
 * connections to the workers in turn, so consecutive requests land on different workers: a
 * ceremony started on one worker and finished on another works because all state is in the
 * shared store. Also: a worker that dies is re-forked and the port keeps serving; SIGTERM on
 * the primary stops every worker and exits 0; WORKERS=2 on the memory store refuses to start
 * with one configuration line naming WORKERS.
 *
 * Uses its OWN mongo-java-server (or MONGODB_URI, with a fresh database); skipped with one loud
 * line when none can run (with REQUIRE_MONGO=1, CI, that is a failure instead). The memory
 * store refusal needs no database and always runs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mongoSkipReason, startMongoTestServer, type MongoTestServer } from '../helpers/mongo-test-server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { spawnKeygate, type SpawnedKeygate } from '../helpers/spawn-keygate.js';

const reason = mongoSkipReason();
const required = process.env.REQUIRE_MONGO === '1';
if (reason && !required) {
  console.warn(`\n!!! WORKERS=2 suite (node:cluster on one MongoDB) SKIPPED: ${reason}. !!!\n`);
}
const mongoSuite = reason && !required ? describe.skip : describe;

const ORIGIN = 'http://localhost:3000';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  status: number;
  body: any;
}

/** A browser whose every request opens a new connection (so cluster may route it to another worker). */
class Browser {
  cookie: string | undefined;

  post(base: string, path: string, body: unknown): Promise<Reply> {
    const bytes = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${base}${path}`, {
        method: 'POST',
        agent: false,
        headers: { origin: ORIGIN, 'content-type': 'application/json', 'content-length': String(bytes.length), ...(this.cookie ? { cookie: this.cookie } : {}) },
        timeout: 10_000,
      });
      req.once('error', reject).once('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
      req.once('response', (res) => {
        for (const c of res.headers['set-cookie'] ?? []) {
          const pair = c.split(';')[0] ?? '';
          if (pair.startsWith('keygate.sid=')) this.cookie = pair === 'keygate.sid=' ? undefined : pair;
        }
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => void (text += d)).once('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        });
      });
      req.end(bytes);
    });
  }
}

function ok(r: Reply, what: string): Reply {
  if (r.status !== 200) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

async function register(auth: SoftAuthenticator, username: string, base: string) {
  const b = new Browser();
  const options = ok(await b.post(base, '/attestation/options', { username, displayName: username, attestation: 'none', authenticatorSelection: { userVerification: 'preferred', residentKey: 'discouraged' } }), 'attestation/options');
  const { credential, response } = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, attestation: 'none' });
  ok(await b.post(base, '/attestation/result', response), 'attestation/result');
  return credential.id;
}

async function signIn(auth: SoftAuthenticator, username: string, base: string): Promise<Reply> {
  const b = new Browser();
  const options = ok(await b.post(base, '/assertion/options', { username, userVerification: 'preferred' }), 'assertion/options');
  return b.post(base, '/assertion/result', await auth.getAssertion({ challenge: options.body.challenge }));
}

/** Pids of the processes whose parent is `pid` (the cluster's workers). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('WORKERS on the memory store', () => {
  it('refuses to start with one configuration error line naming WORKERS', async () => {
    const started = spawnKeygate({ name: 'WORKERS=2 memory', env: { NODE_ENV: 'test', WORKERS: '2', LOG_LEVEL: 'info' }, readyTimeoutMs: 15_000 });
    const err = (await started.then(
      async (k) => {
        await k.stop();
        return new Error('it started');
      },
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/exited before it was ready \(code 1/);
    expect(err.message).toMatch(/keygate: configuration error: WORKERS must be 1 with the memory store \(got 2\)/);
    expect(err.message).not.toMatch(/listening/);
  }, 30_000);
});

mongoSuite('WORKERS=2 on one MongoDB', () => {
  let mongo: MongoTestServer | undefined;
  let k: SpawnedKeygate | undefined;

  beforeAll(async () => {
    const started = await startMongoTestServer();
    if ('skipped' in started) throw new Error(`REQUIRE_MONGO=1 but the WORKERS suite cannot run: ${started.skipped}`);
    mongo = started;
    k = await spawnKeygate({
      name: 'WORKERS=2',
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        WORKERS: '2',
        RP_ID: 'localhost',
        RP_ORIGINS: ORIGIN,
        MONGODB_URI: mongo.uri,
        MONGODB_DB: `keygate_workers_${randomBytes(6).toString('hex')}`,
        DATA_KEYS: `w1:${Buffer.alloc(32, 5).toString('base64')}`,
        HMAC_SECRET: 'workers-hmac-secret-workers-hmac-secret-!!',
        RATE_LIMIT_PER_MINUTE: '100000',
        // SESSION_SECRET deliberately unset: the primary generates ONE and hands it to both workers.
      },
      readyTimeoutMs: 40_000,
    });
  }, 60_000);

  afterAll(async () => {
    if (k && k.child.exitCode === null) await k.stop();
    await mongo?.stop();
  }, 30_000);

  it('runs a primary and two worker processes on one port', async () => {
    const workers = await waitFor('2 workers', () => (childPids(k!.pid).length === 2 ? childPids(k!.pid) : undefined));
    expect(workers).not.toContain(k!.pid);
    await waitFor('both workers listening', () => ((k!.output().match(/keygate listening/g) ?? []).length >= 2 ? true : undefined));
    expect(k!.output()).toMatch(/starting 2 workers/);
  });

  it('serves registrations and sign-ins, each request on a new connection (options and result on different workers)', async () => {
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    const credentialId = await register(auth, 'wendy', k!.url);
    for (let i = 0; i < 6; i++) {
      const r = await signIn(auth, 'wendy', k!.url);
      expect([r.status, r.body.status, r.body.credential?.id]).toEqual([200, 'ok', credentialId]);
    }
  });

  it('re-forks a worker that dies, and keeps serving meanwhile', async () => {
    const before = childPids(k!.pid);
    expect(before).toHaveLength(2);
    process.kill(before[0]!, 'SIGKILL');
    const after = await waitFor('a re-forked worker', () => {
      const now = childPids(k!.pid);
      return now.length === 2 && !now.includes(before[0]!) ? now : undefined;
    });
    expect(after).toContain(before[1]!);
    await waitFor('the new worker listening', () => ((k!.output().match(/keygate listening/g) ?? []).length >= 3 ? true : undefined), 20_000);
    expect(k!.output()).toMatch(/worker exited: re-forking it/);
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    await register(auth, 'walter', k!.url);
    for (let i = 0; i < 4; i++) expect((await signIn(auth, 'walter', k!.url)).body.status).toBe('ok');
  }, 30_000);

  it('SIGTERM on the primary stops every worker and exits 0', async () => {
    const workers = childPids(k!.pid);
    expect(workers).toHaveLength(2);
    const exit = await k!.stop();
    expect({ code: exit.code, signal: exit.signal, output: exit.code === 0 ? "" : k!.output() }).toEqual({ code: 0, signal: null, output: "" });
    expect(k!.output()).toMatch(/all workers stopped/);
    for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow();
  }, 30_000);
});
