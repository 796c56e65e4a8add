/**
 * Scale-out: TWO REAL keygate PROCESSES (node + tsx, each on its own port, configured only by
 * environment) sharing ONE MongoDB database, driven over HTTP as a browser behind a load
 * balancer would be: each request may land on either instance. Proves that no state another
 * instance needs lives in process memory (ceremonies, sessions, single-use guarantees, the
 * signing-key ring), and that a graceful restart loses nothing.
 *
 * Both processes are started once (beforeAll) and reused; the restart test stops and starts
 * instance A again on the same port and database. Every child is stopped in afterAll, and the
 * children shut themselves down if this process dies (test/helpers/spawn-keygate.ts).
 *
 * Uses its OWN mongo-java-server (or MONGODB_URI, with a fresh database). Skipped with one loud
 * line when no Java test server can run; with REQUIRE_MONGO=1 (CI) that is a failure instead.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JSONWebKeySet } from 'jose';
import { totpCode } from '../../server/src/factors/totp/totp-code.js';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { mongoSkipReason, startMongoTestServer, type MongoTestServer } from '../helpers/mongo-test-server.js';
import { PASSWORD } from '../helpers/second-factor-flows.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { spawnKeygate, type SpawnedKeygate } from '../helpers/spawn-keygate.js';
import { AUD, AUD2, CLIENT_ID, CLIENT_SECRET, readmeVerify } from '../helpers/token-flows.js';

const reason = mongoSkipReason();
const required = process.env.REQUIRE_MONGO === '1';
if (reason && !required) {
  console.warn(`\n!!! Scale-out suite (two keygate processes on one MongoDB) SKIPPED: ${reason}. !!!\n`);
}
const suite = reason && !required ? describe.skip : describe;

/** The one origin both instances accept (the load balancer's public origin); the client sends it. */
const ORIGIN = 'http://localhost:3000';
const STEP_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/**
 * A browser: one cookie jar (keygate.sid) shared by every instance it talks to (cookies are
 * scoped to the host, not the port, and behind a load balancer it is one host anyway), and
 * the Origin header a browser sends on POST.
 */
class Browser {
  cookie: string | undefined;

  async call(base: string, method: string, path: string, body?: unknown, o: { cookie?: string | null; headers?: Record<string, string> } = {}): Promise<Reply> {
    const cookie = o.cookie === undefined ? this.cookie : (o.cookie ?? undefined);
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(method !== 'GET' ? { origin: ORIGIN } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
        ...o.headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    if (o.cookie === undefined) {
      for (const c of res.headers.getSetCookie()) {
        const [pair = '', ...attrs] = c.split(';');
        if (!pair.startsWith('keygate.sid=')) continue;
        const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) <= Date.now());
        this.cookie = pair === 'keygate.sid=' || expired ? undefined : pair;
      }
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  post(base: string, path: string, body: unknown = {}, o?: { cookie?: string | null; headers?: Record<string, string> }) {
    return this.call(base, 'POST', path, body, o);
  }

  get(base: string, path: string, o?: { cookie?: string | null }) {
    return this.call(base, 'GET', path, undefined, o);
  }
}

function ok(res: Reply, what: string): Reply {
  if (res.status !== 200) throw new Error(`${what}: expected 200, got ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

/** Registration: options from `optionsOn`, result to `resultOn` (registration signs the browser in). */
async function register(b: Browser, auth: SoftAuthenticator, username: string, optionsOn: string, resultOn: string) {
  const options = ok(
    await b.post(optionsOn, '/attestation/options', { username, displayName: username, attestation: 'direct', authenticatorSelection: { userVerification: 'preferred', residentKey: 'discouraged' } }),
    `attestation/options on ${optionsOn}`,
  );
  const { credential, response } = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, attestation: 'packed-self' });
  const result = await b.post(resultOn, '/attestation/result', response);
  return { options, result, credentialId: credential.id, userId: options.body.user.id as string };
}

/** The authenticator's answer to fresh sign-in options from `optionsOn` (not posted yet). */
async function assertionFor(b: Browser, auth: SoftAuthenticator, username: string, optionsOn: string) {
  const options = ok(await b.post(optionsOn, '/assertion/options', { username, userVerification: 'preferred' }), `assertion/options on ${optionsOn}`);
  return auth.getAssertion({ challenge: options.body.challenge });
}

/** Sign-in: options from `optionsOn`, result to `resultOn`. */
async function signIn(b: Browser, auth: SoftAuthenticator, username: string, optionsOn: string, resultOn: string) {
  return b.post(resultOn, '/assertion/result', await assertionFor(b, auth, username, optionsOn));
}

/**
 * Starts a POST on a NEW connection and sends its headers and the first half of its body;
 * `finish()` sends the rest and resolves with the reply. Between the two the request is in
 * flight on the server (it waits for the body), for testing a graceful shutdown.
 */
async function halfSentPost(base: string, path: string, body: unknown) {
  const bytes = Buffer.from(JSON.stringify(body));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const req = httpRequest(`${base}${path}`, {
    method: 'POST',
    agent,
    headers: { origin: ORIGIN, 'content-type': 'application/json', 'content-length': String(bytes.length) },
  });
  const reply = new Promise<Reply>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => void (text += d)).once('end', () => {
        agent.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: new Headers() });
      });
    });
  });
  reply.catch(() => agent.destroy()); // judged by the caller through finish()
  await new Promise<void>((resolve, reject) => {
    req.once('socket', (socket) => socket.once('connect', () => resolve()).once('error', reject));
  });
  req.write(bytes.subarray(0, bytes.length >> 1));
  await sleep(150); // the server has the headers: the request is in progress
  return {
    finish: () => {
      req.end(bytes.subarray(bytes.length >> 1));
      return reply;
    },
  };
}

/** Waits out the end of the current TOTP step when less than `marginMs` of it is left. */
async function clearOfStepEdge(marginMs = 2500): Promise<void> {
  const left = STEP_MS - (Date.now() % STEP_MS);
  if (left < marginMs) await sleep(left + 100);
}

/** Statuses and codes of concurrent replies, sorted, for one `toEqual`. */
const outcomes = (replies: Reply[]) => replies.map((r) => `${r.status} ${r.status === 200 ? 'ok' : r.body?.code}`).sort();

suite('two keygate processes on one MongoDB', () => {
  let mongo: MongoTestServer | undefined;
  let store: Store | undefined;
  let env: Record<string, string>;
  let A: SpawnedKeygate;
  let B: SpawnedKeygate;
  const spawned: SpawnedKeygate[] = [];
  const start = async (name: string, e: Record<string, string>, o: { port?: number; waitFor?: '/readyz' | '/healthz' } = {}) => {
    const k = await spawnKeygate({ name, env: e, ...o });
    spawned.push(k);
    return k;
  };
  let firstReadyz: Reply[] = [];

  beforeAll(async () => {
    const started = await startMongoTestServer();
    if ('skipped' in started) {
      // Only reachable with REQUIRE_MONGO=1 (otherwise the suite was skipped above).
      throw new Error(`REQUIRE_MONGO=1 but the scale-out suite cannot run: ${started.skipped}`);
    }
    mongo = started;
    const dbName = `keygate_scale_${randomBytes(6).toString('hex')}`;
    // Everything an instance decides with must be EQUAL on every instance.
    env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      RP_ID: 'localhost',
      RP_ORIGINS: ORIGIN,
      MONGODB_URI: mongo.uri,
      MONGODB_DB: dbName,
      SESSION_SECRET: 'scale-out-session-secret-scale-out!!',
      DATA_KEYS: `s1:${Buffer.alloc(32, 9).toString('base64')}`,
      HMAC_SECRET: 'scale-out-hmac-secret-scale-out-hmac-secret',
      TOKEN_AUDIENCES: `${AUD},${AUD2}`,
      INTROSPECTION_CLIENT_SECRET: CLIENT_SECRET,
      PASSWORD_LOGIN: 'true',
      RATE_LIMIT_PER_MINUTE: '100000',
    };
    // Both at once on an EMPTY database, waiting only for the ports; then the first /readyz
    // (which reads, or on an empty store creates, the key ring) hits both at the same moment.
    [A, B] = await Promise.all([start('A', env, { waitFor: '/healthz' }), start('B', env, { waitFor: '/healthz' })]);
    const probe = new Browser();
    firstReadyz = await Promise.all([A, B, A, B, A, B].map((k) => probe.get(k.url, '/readyz')));
    store = await openMongoStore({ uri: mongo.uri, dbName, serverSelectionTimeoutMS: 3000 });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(spawned.map((k) => k.stop()));
    await store?.close();
    await mongo?.stop();
    // No orphans: every child has exited (stop() resolves on its exit, SIGKILL after 8 s).
    expect(spawned.filter((k) => k.child.exitCode === null && k.child.signalCode === null).map((k) => k.name)).toEqual([]);
  }, 30_000);

  it('runs two distinct processes (the premise of every test below)', () => {
    expect(A.pid).not.toBe(B.pid);
    expect(A.port).not.toBe(B.port);
    expect(firstReadyz.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  it('finishes a registration started on A on B, then a sign-in started on B on A', async () => {
    const b = new Browser();
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    const reg = await register(b, auth, 'alice', A.url, B.url);
    expect([reg.result.status, reg.result.body.status, reg.result.body.userId]).toEqual([200, 'ok', reg.userId]);
    expect(reg.result.body.credential.id).toBe(reg.credentialId);

    const fresh = new Browser();
    const result = await signIn(fresh, auth, 'alice', B.url, A.url);
    expect([result.status, result.body.status]).toEqual([200, 'ok']);
    expect(result.body.user).toMatchObject({ id: reg.userId, username: 'alice' });
    expect(result.body.credential.id).toBe(reg.credentialId);
  });

  it('shares sessions: a sign-in on A is signed in on B, and a sign-out on B ends it on A', async () => {
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    const { userId } = await register(new Browser(), auth, 'bob', B.url, B.url);
    const b = new Browser();
    ok(await signIn(b, auth, 'bob', A.url, A.url), 'sign-in on A');
    const cookie = b.cookie!;
    expect(cookie).toMatch(/^keygate\.sid=/);

    const me = ok(await b.get(B.url, '/account/me'), 'GET /account/me on B');
    expect(me.body.user).toMatchObject({ id: userId, username: 'bob' });
    expect((await b.get(B.url, '/session')).body).toMatchObject({ signedIn: true, user: { id: userId } });

    ok(await b.post(B.url, '/session/logout'), 'logout on B');
    expect(b.cookie).toBeUndefined(); // B told the browser to drop it
    // The OLD cookie, replayed to A: the session is gone from the store, not just from the browser.
    expect((await b.get(A.url, '/session', { cookie })).body).toMatchObject({ signedIn: false });
    const after = await b.get(A.url, '/account/me', { cookie });
    expect([after.status, after.body.code]).toEqual([401, 'not_signed_in']);
  });

  it('consumes a challenge once across processes: the same assertion posted to A and B at once gives exactly one success', async () => {
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    await register(new Browser(), auth, 'carol', A.url, A.url);
    for (let round = 0; round < 5; round++) {
      const b = new Browser();
      const response = await assertionFor(b, auth, 'carol', round % 2 ? B.url : A.url);
      const cookie = b.cookie;
      const targets = round % 2 ? [B, A, B, A] : [A, B, A, B];
      const replies = await Promise.all(targets.map((k) => b.post(k.url, '/assertion/result', response, { cookie })));
      expect({ round, outcomes: outcomes(replies) }).toEqual({ round, outcomes: ['200 ok', '400 no_pending_ceremony', '400 no_pending_ceremony', '400 no_pending_ceremony'] });
    }
  });

  it('answers an unknown username the same on A and B (enumeration protection cannot be beaten by comparing instances)', async () => {
    const ask = async (k: SpawnedKeygate) => ok(await new Browser().post(k.url, '/assertion/options', { username: 'nobody-here' }), `options on ${k.name}`).body.allowCredentials;
    const [onA, onB] = await Promise.all([ask(A), ask(B)]);
    expect(onA.length).toBeGreaterThan(0);
    expect(onB).toEqual(onA);
  });

  describe('tokens', () => {
    let jwksA: JSONWebKeySet;

    it('creates ONE signing-key ring when both start at once on an empty store: the same JWKS on A and B', async () => {
      const probe = new Browser();
      jwksA = ok(await probe.get(A.url, '/.well-known/jwks.json'), 'JWKS of A').body;
      const jwksB = ok(await probe.get(B.url, '/.well-known/jwks.json'), 'JWKS of B').body;
      expect(jwksA.keys).toHaveLength(1);
      expect(jwksB).toEqual(jwksA);
      const ring = await store!.keyRing.get();
      expect(ring?.keys.map((k) => k.kid)).toEqual([jwksA.keys[0]!.kid]);
      // The instance that lost the race read the winner's ring; it did not make (or announce) its own.
      expect(await store!.audit.list({ type: 'signing_key.created', limit: 10 })).toHaveLength(1);
    });

    it('verifies a token issued by A with B\'s JWKS (and B\'s introspection calls it active)', async () => {
      const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
      const { userId } = await register(new Browser(), auth, 'dave', B.url, B.url);
      const b = new Browser();
      ok(await signIn(b, auth, 'dave', B.url, A.url), 'sign-in');
      const token = ok(await b.post(A.url, '/token', { audience: AUD }), 'POST /token on A').body.token as string;

      const jwksB = ok(await b.get(B.url, '/.well-known/jwks.json'), 'JWKS of B').body;
      const verdict = await readmeVerify(token, jwksB, { issuer: ORIGIN, audience: AUD });
      expect(verdict).toMatchObject({ ok: true, payload: { sub: userId, aud: AUD, iss: ORIGIN } });

      const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      const active = ok(await b.post(B.url, '/token/introspect', { token }, { cookie: null, headers: { authorization: basic } }), 'introspect on B');
      expect(active.body).toMatchObject({ active: true, sub: userId, aud: AUD });
    });

    it('issues one token per sign-in and audience across processes: 409 token_already_issued on the other', async () => {
      const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
      await register(new Browser(), auth, 'erin', A.url, A.url);
      const b = new Browser();
      ok(await signIn(b, auth, 'erin', A.url, B.url), 'sign-in');
      ok(await b.post(A.url, '/token', { audience: AUD }), 'AUD on A');
      const again = await b.post(B.url, '/token', { audience: AUD });
      expect([again.status, again.body.code, again.body.token]).toEqual([409, 'token_already_issued', undefined]);
      ok(await b.post(B.url, '/token', { audience: AUD2 }), 'AUD2 on B'); // another audience: its own token
      expect((await b.post(A.url, '/token', { audience: AUD2 })).body.code).toBe('token_already_issued');

      // At the same moment on both: still exactly one.
      for (let round = 0; round < 3; round++) {
        const c = new Browser();
        ok(await signIn(c, auth, 'erin', B.url, A.url), `sign-in ${round}`);
        const replies = await Promise.all([A, B, A, B].map((k) => c.post(k.url, '/token', { audience: AUD })));
        expect({ round, outcomes: outcomes(replies) }).toEqual({ round, outcomes: ['200 ok', '409 token_already_issued', '409 token_already_issued', '409 token_already_issued'] });
      }
    });

    it('accepts a TOTP code once across processes: the same code on A and B at once gives exactly one sign-in', async () => {
      // Per user: sign up on A, enrol the authenticator app on B, confirm it on A; then four
      // half sign-ins (password), two on each instance, all waiting for the same code.
      const setUp = async (username: string) => {
        const enrol = new Browser();
        ok(await enrol.post(A.url, '/signup/password', { username, password: PASSWORD }), `signup ${username} on A`);
        const secret = ok(await enrol.post(B.url, '/account/totp'), 'POST /account/totp on B').body.secret as string;
        await clearOfStepEdge();
        // The previous step's code (±1 step of drift is accepted): the current step stays unused.
        ok(await enrol.post(A.url, '/account/totp/confirm', { code: totpCode(secret, new Date(Date.now() - STEP_MS)) }), 'confirm on A');
        const halves: { browser: Browser; on: SpawnedKeygate }[] = [];
        for (const on of [A, B, A, B]) {
          const browser = new Browser();
          ok(await browser.post(on.url, '/login/password', { username, password: PASSWORD }), `password on ${on.name}`);
          halves.push({ browser, on });
        }
        return { username, secret, halves };
      };
      const users = await Promise.all(['tina', 'tom', 'tess'].map(setUp));

      await clearOfStepEdge();
      const now = new Date();
      const replies = await Promise.all(users.map((u) => Promise.all(u.halves.map((h) => h.browser.post(h.on.url, '/login/totp', { code: totpCode(u.secret, now) })))));
      for (const [i, u] of users.entries()) {
        expect({ user: u.username, outcomes: outcomes(replies[i]!) }).toEqual({ user: u.username, outcomes: ['200 ok', '401 code_already_used', '401 code_already_used', '401 code_already_used'] });
      }

      // The winner is signed in everywhere, the losers nowhere.
      const first = users[0]!;
      for (const [j, h] of first.halves.entries()) {
        const won = replies[0]![j]!.status === 200;
        for (const k of [A, B]) expect((await h.browser.get(k.url, '/session')).body).toMatchObject({ signedIn: won });
      }
    });
  });

  it('shows why instances must share SESSION_SECRET, DATA_KEYS and HMAC_SECRET: an instance with other values rejects cookies, cannot sign and shows other decoys', async () => {
    const C = await start('C (other SESSION_SECRET, DATA_KEYS and HMAC_SECRET)', {
      ...env,
      SESSION_SECRET: 'a-different-session-secret-entirely!',
      DATA_KEYS: `c1:${Buffer.alloc(32, 3).toString('base64')}`,
      HMAC_SECRET: 'a-different-hmac-secret-a-different-hmac-secret',
    });
    try {
      const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
      await register(new Browser(), auth, 'frank', A.url, A.url);
      const b = new Browser();
      ok(await signIn(b, auth, 'frank', A.url, A.url), 'sign-in on A');
      // A's cookie is signed with A's SESSION_SECRET: C cannot read it.
      expect((await b.get(C.url, '/session')).body.signedIn).toBe(false);
      // C publishes the same public keys, but cannot open the private half sealed with A's DATA_KEYS.
      expect((await b.get(C.url, '/.well-known/jwks.json')).body).toEqual((await b.get(A.url, '/.well-known/jwks.json')).body);
      const c = new Browser();
      ok(await signIn(c, auth, 'frank', C.url, C.url), 'sign-in on C');
      const token = await c.post(C.url, '/token', { audience: AUD });
      expect([token.status, token.body.code]).toEqual([503, 'data_key_unavailable']);
      // Another HMAC_SECRET: other decoys for an unknown username (and recovery codes that never match).
      const decoys = async (k: SpawnedKeygate) => ok(await new Browser().post(k.url, '/assertion/options', { username: 'nobody-here' }), `options on ${k.name}`).body.allowCredentials;
      expect(await decoys(C)).not.toEqual(await decoys(A));
    } finally {
      const exit = await C.stop();
      expect(exit.code).toBe(0);
    }
  });

  it('loses nothing on a restart: A exits 0 on SIGTERM, and back on the same database it has the session, the keys and the credentials', async () => {
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN });
    const reg = await register(new Browser(), auth, 'rita', A.url, A.url);
    const b = new Browser();
    ok(await signIn(b, auth, 'rita', A.url, A.url), 'sign-in on A');
    const token = ok(await b.post(A.url, '/token', { audience: AUD }), 'POST /token on A').body.token as string;
    const jwksBefore = ok(await b.get(A.url, '/.well-known/jwks.json'), 'JWKS before').body;
    const port = A.port;
    // A sign-in started on A, to be finished after A is gone.
    const pending = new Browser();
    const pendingAssertion = await assertionFor(pending, auth, 'rita', A.url);

    // A request in flight when SIGTERM arrives is still answered: its body is sent only once A
    // has logged that it is shutting down.
    const inFlight = await halfSentPost(A.url, '/assertion/options', { username: 'rita' });
    const stopping = A.stop();
    for (let i = 0; i < 100 && !/shutting down/.test(A.output()); i++) await sleep(20);
    expect(A.output()).toMatch(/shutting down/);
    const late = await inFlight.finish();
    expect([late.status, late.body.status]).toEqual([200, 'ok']);
    const exit = await stopping;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    // Nothing listens on A's port any more.
    await expect(fetch(`${A.url}/healthz`)).rejects.toThrow();

    // Meanwhile B serves on its own: sign-ins do not need A.
    expect((await b.get(B.url, '/account/me')).status).toBe(200);
    ok(await pending.post(B.url, '/assertion/result', pendingAssertion), 'finishing on B the sign-in A started before it stopped');
    ok(await signIn(new Browser(), auth, 'rita', B.url, B.url), 'sign-in on B while A is down');

    A = await start('A (restarted)', env, { port });
    const me = ok(await b.get(A.url, '/account/me'), 'GET /account/me on the restarted A');
    expect(me.body.user).toMatchObject({ id: reg.userId, username: 'rita' });
    expect(ok(await b.get(A.url, '/.well-known/jwks.json'), 'JWKS after').body).toEqual(jwksBefore);
    expect(await readmeVerify(token, jwksBefore, { issuer: ORIGIN, audience: AUD })).toMatchObject({ ok: true });
    const creds = ok(await b.get(A.url, '/account/credentials'), 'GET /account/credentials after');
    expect(creds.body.credentials.map((c: { id: string }) => c.id)).toEqual([reg.credentialId]);
    // The credential still signs in (its counter went on from the value B stored).
    const again = await signIn(new Browser(), auth, 'rita', A.url, A.url);
    expect([again.status, again.body.credential?.id]).toEqual([200, reg.credentialId]);
  });
});
