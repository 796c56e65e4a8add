/**
 * One keygate for the fuzz suite: the real app (`buildApp`) on a {@link recordingStore}
 * around the given store, listening on 127.0.0.1, with a frozen clock, a logger that keeps
 * every error it is asked to log (a 5xx then shows its stack), and the accounts fuzzed
 * requests act as ("agents"): signed in with a fresh two-factor proof, signed in long ago
 * (step-up stale), half signed in, enrolling, and anonymous.
 *
 * {@link FuzzWorld.send} is the oracle every property uses. For each request it requires:
 * - no 5xx, and an answer at all;
 * - a 4xx is JSON with `status: "failed"` and a stable snake_case `code` from the error
 *   catalogue, at the catalogue's HTTP status;
 * - a 4xx wrote nothing but what keygate's design writes on a refusal (fuzz-store.ts), and
 *   the state of every known user, session and token read back through the ports is
 *   unchanged.
 * Fixtures a successful request used up (a sign-out, a consumed half sign-in, a flagged
 * credential) are rebuilt lazily by {@link FuzzWorld.jar} before the next request.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildApp } from '../../server/src/app.js';
import { ERROR_CATALOGUE, statusOf, type ErrorCode } from '../../server/src/errors/error-catalogue.js';
import type { Config } from '../../server/src/config/config-schema.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { totpCode } from '../../server/src/factors/totp/totp-code.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { secureRandom } from '../../server/src/lib/random.js';
import type { Store } from '../../server/src/storage/ports.js';
import { withOpenApiCheck } from './openapi-recorder.js';
import { CookieJar, describeExchange, FuzzClient, type RawReply, type RawRequest } from './fuzz-client.js';
import { allowDesignedChanges, recordingStore, refusedWrites, snapshotDiff, snapshotState, type Known, type RecordingStore } from './fuzz-store.js';
import { SoftAuthenticator, type CoseAlg } from './soft-authenticator.js';
import { createTestCa, type TestCa } from './test-ca.js';

export const ORIGIN = 'http://localhost:3000';
export const AUD = 'https://deploy.example.com';
export const AUD2 = 'https://billing.example.com';
export const CLIENT_ID = 'keygate-introspection';
export const CLIENT_SECRET = 'introspection-secret-introspection-secret';
export const PASSWORD = 'correct horse battery staple';
export const COOKIE = 'keygate.sid';

export type AgentKind = 'anon' | 'signedIn' | 'stale' | 'half' | 'enrol' | 'pwdSignedIn';
export const AGENT_KINDS: readonly AgentKind[] = ['anon', 'signedIn', 'stale', 'half', 'enrol', 'pwdSignedIn'];

/** A user the fuzz acts as or against. */
export interface FixtureUser {
  username: string;
  userId: string;
  /** Its WebAuthn credential and the soft authenticator holding it, if it has one. */
  credentialId?: string;
  auth?: SoftAuthenticator;
  /** Base32 TOTP secret, if it has an active authenticator app. */
  totpSecret?: string;
  recoveryCodes?: string[];
}

interface Agent {
  kind: AgentKind;
  jar: CookieJar;
  user: FixtureUser;
}

/** Values fuzzed requests may name (a real username, credential id, token, ...), by name. */
export type WorldValues = Record<string, string>;

export class FuzzViolation extends Error {}

const SNAKE = /^[a-z][a-z0-9_]*$/;

export interface FuzzWorldOptions {
  env?: Record<string, string>;
}

export class FuzzWorld {
  readonly clock: FixedClock;
  readonly config: Config;
  readonly rec: RecordingStore;
  readonly client: FuzzClient;
  readonly ca: TestCa;
  /** Error log lines (JSON) since the last request: what a 5xx left behind. */
  readonly serverErrors: string[] = [];
  /** Replies by status class, and 4xx codes, over the run. */
  readonly stats = { byStatus: new Map<number, number>(), codes: new Map<string, number>(), fuzzed: 0, byEndpoint: new Map<string, Map<string, number>>(), rebuilds: new Map<string, number>(), msByEndpoint: new Map<string, number>(), msRequests: 0, msSnapshots: 0, msFixtures: 0 };
  readonly #agents = new Map<AgentKind, Agent>();
  readonly #victims = new Map<CoseAlg, FixtureUser>();
  #token = { token: '', jti: '' };
  #snapshot: { key: string; value: string } | undefined;

  private constructor(store: RecordingStore, client: FuzzClient, config: Config, clock: FixedClock, ca: TestCa, errors: string[]) {
    this.rec = store;
    this.client = client;
    this.config = config;
    this.clock = clock;
    this.ca = ca;
    this.serverErrors = errors;
  }

  get store(): Store {
    return this.rec.store;
  }

  static async create(inner: Store, opts: FuzzWorldOptions = {}): Promise<FuzzWorld> {
    const config = loadConfig({
      NODE_ENV: 'test',
      RP_ID: 'localhost',
      RP_ORIGINS: ORIGIN,
      SESSION_SECRET: 'fuzz-secret-fuzz-secret-fuzz-secret!!',
      PASSWORD_LOGIN: 'true',
      // Limits on, but out of reach: every request still goes through the limiter and the lockout guard.
      RATE_LIMIT_PER_MINUTE: '1000000000',
      LOCKOUT_THRESHOLD: '1000000000',
      LOCKOUT_IP_THRESHOLD: '1000000000',
      TOKEN_AUDIENCES: `${AUD},${AUD2}`,
      INTROSPECTION_CLIENT_SECRET: CLIENT_SECRET,
      DATA_KEYS: `f1:${Buffer.alloc(32, 9).toString('base64')}`,
      HMAC_SECRET: 'fuzz-hmac-secret-fuzz-hmac-secret-fuzz',
      // Every factor on, so that its endpoints get hostile input past their "disabled" refusal
      // (the approval event stream ends after 1 s, so a signed-in agent's GET does not hang).
      DELIVERY: 'dev',
      OOB_CHANNELS: 'sms,email',
      APPROVAL: 'true',
      APPROVAL_STREAM_SECONDS: '1',
      ...opts.env,
    });
    const clock = new FixedClock(Date.now());
    const rec = recordingStore(inner);
    const errors: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (errors.length < 50) errors.push(chunk.toString('utf8'));
        cb();
      },
    });
    const logger = pino({ level: 'error' }, sink);
    const app = buildApp({ config, store: rec.store, clock, random: secureRandom, logger }, { demoDir: null });
    const client = await FuzzClient.listen(withOpenApiCheck(app, config));
    const world = new FuzzWorld(rec, client, config, clock, await createTestCa(), errors);
    await world.#setUp();
    return world;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---- fixtures --------------------------------------------------------------------------

  async #setUp(): Promise<void> {
    await this.#setup({ method: 'GET', path: '/readyz' }, 200, 'readyz (creates the key ring)');
    for (const kind of AGENT_KINDS) if (kind !== 'anon') await this.#make(kind);
    for (const alg of [-7, -8] as const) await this.victim(alg);
    const signedIn = this.#agents.get('signedIn')!;
    const t = await this.#setup({ method: 'POST', path: '/token', jar: signedIn.jar, ...jsonBody({ audience: AUD }) }, 200, 'a real token');
    const token = (t.json as { token: string }).token;
    this.#token = { token, jti: (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string }).jti };
    this.#snapshot = undefined;
  }

  /** A setup request that must answer `status` (outside the oracle: fixtures are not fuzz). */
  async #setup(req: RawRequest, status: number, what: string): Promise<RawReply> {
    const res = await this.client.send(req);
    if (res.status !== status) throw new Error(`fuzz fixture "${what}": expected ${status}\n  ${describeExchange(req, res)}`);
    return res;
  }

  authenticator(): SoftAuthenticator {
    return new SoftAuthenticator({ rpId: 'localhost', origin: ORIGIN, ca: this.ca });
  }

  /** Registers a new user with a key (UV, packed self attestation) from `jar`; the jar is then signed in. */
  async registerUser(jar: CookieJar, o: { alg?: CoseAlg; username?: string } = {}): Promise<FixtureUser> {
    const username = o.username ?? `fz-${randomBytes(5).toString('hex')}`;
    const auth = this.authenticator();
    const options = await this.#setup({ method: 'POST', path: '/attestation/options', jar, ...jsonBody({ username, attestation: 'direct', authenticatorSelection: { residentKey: 'required', userVerification: 'required' } }) }, 200, `register ${username}: options`);
    const opts = options.json as { challenge: string; user: { id: string } };
    const { credential, response } = await auth.createCredential({ challenge: opts.challenge, userHandle: opts.user.id, attestation: 'packed-self', alg: o.alg });
    await this.#setup({ method: 'POST', path: '/attestation/result', jar, ...jsonBody(response) }, 200, `register ${username}: result`);
    return { username, userId: opts.user.id, credentialId: credential.id, auth };
  }

  async #signUpPassword(jar: CookieJar): Promise<FixtureUser> {
    const username = `fz-${randomBytes(5).toString('hex')}`;
    await this.#setup({ method: 'POST', path: '/signup/password', jar, ...jsonBody({ username, password: PASSWORD }) }, 200, `sign up ${username}`);
    const user = await this.store.users.findByUsername(username);
    if (!user) throw new Error(`fuzz fixture: no user ${username} after sign-up`);
    return { username, userId: user.id };
  }

  async #enrolTotp(jar: CookieJar, user: FixtureUser): Promise<void> {
    const enrol = await this.#setup({ method: 'POST', path: '/account/totp', jar, ...jsonBody({}) }, 200, 'enrol TOTP');
    user.totpSecret = (enrol.json as { secret: string }).secret;
    await this.#setup({ method: 'POST', path: '/account/totp/confirm', jar, ...jsonBody({ code: totpCode(user.totpSecret, this.clock.now()) }) }, 200, 'confirm TOTP');
  }

  /**
   * A (new) agent of `kind`. A half sign-in or an enrolment is reopened for the same user
   * when that user is still fit for it (a password sign-in is cheap; enrolling a TOTP app
   * renders a PNG QR code, which takes about a second under Jest).
   */
  async #make(kind: Exclude<AgentKind, 'anon'>): Promise<Agent> {
    const jar = new CookieJar();
    const old = this.#agents.get(kind)?.user;
    let user: FixtureUser;
    switch (kind) {
      case 'signedIn':
        user = await this.registerUser(jar);
        break;
      case 'stale': {
        // Signed in an hour ago: the session lives on (SESSION_TTL 12 h) but its proof is too old for step-up and tokens.
        const now = this.clock.now().getTime();
        this.clock.set(now - 3600_000);
        try {
          user = await this.registerUser(jar);
        } finally {
          this.clock.set(now);
        }
        break;
      }
      case 'pwdSignedIn': {
        // Password sign-up, then a key enrolled by that half sign-in: signed in with pwd + key.
        user = await this.#signUpPassword(jar);
        const key = await this.registerUser(jar, { username: user.username });
        Object.assign(user, { credentialId: key.credentialId, auth: key.auth });
        break;
      }
      case 'half': {
        // Password + TOTP + recovery codes, then a fresh password sign-in left waiting for its second factor.
        if (old && (await this.store.totp.get(old.userId))?.active && (await this.#login(jar, old)) === 'second_factor') {
          user = old;
          break;
        }
        const setupJar = new CookieJar();
        user = await this.#signUpPassword(setupJar);
        await this.#enrolTotp(setupJar, user);
        const codes = await this.#setup({ method: 'POST', path: '/account/recovery-codes', jar: setupJar, ...jsonBody({}) }, 200, 'recovery codes');
        user.recoveryCodes = (codes.json as { codes: string[] }).codes;
        if ((await this.#login(jar, user)) !== 'second_factor') throw new Error('fuzz fixture: the half sign-in did not ask for a second factor');
        break;
      }
      case 'enrol':
        if (old && (await this.#login(jar, old)) === 'enrol') {
          user = old;
          break;
        }
        user = await this.#signUpPassword(jar);
        break;
    }
    const agent = { kind, jar, user };
    if (this.#agents.has(kind)) this.stats.rebuilds.set(kind, (this.stats.rebuilds.get(kind) ?? 0) + 1);
    this.#agents.set(kind, agent);
    this.#snapshot = undefined;
    return agent;
  }

  /** POST /login/password as `user`: the stage of the half sign-in it opened, if it did. */
  async #login(jar: CookieJar, user: FixtureUser): Promise<string | undefined> {
    const res = await this.client.send({ method: 'POST', path: '/login/password', jar, ...jsonBody({ username: user.username, password: PASSWORD }) });
    const id = sessionIdIn(jar);
    return res.status === 200 && id ? (await this.store.signInAttempts.get(id, this.clock.now()))?.stage : undefined;
  }

  /** Whether the agent is still in the state its kind names (a fuzzed request may have used it up). */
  async #intact(agent: Agent): Promise<boolean> {
    const id = sessionIdIn(agent.jar);
    if (id === undefined) return false;
    const now = this.clock.now();
    switch (agent.kind) {
      case 'signedIn':
      case 'stale':
      case 'pwdSignedIn': {
        const s = await this.store.sessions.get(id, now);
        if (!s || s.userId !== agent.user.userId) return false;
        // Keys added by accepted registrations pile up (and slow the snapshot): start over past a few.
        if ((await this.store.credentials.listByUser(agent.user.userId)).length > 6) return false;
        if (agent.user.credentialId === undefined) return true;
        const c = await this.store.credentials.findById(agent.user.credentialId);
        return c !== undefined && !c.possiblyCloned && !c.disabled && s.credentialId === c.id;
      }
      case 'half': {
        const a = await this.store.signInAttempts.get(id, now);
        return a?.stage === 'second_factor' && a.userId === agent.user.userId;
      }
      case 'enrol': {
        const a = await this.store.signInAttempts.get(id, now);
        const [creds, totp, codes] = await Promise.all([this.store.credentials.listByUser(agent.user.userId), this.store.totp.get(agent.user.userId), this.store.recoveryCodes.get(agent.user.userId)]);
        return a?.stage === 'enrol' && a.userId === agent.user.userId && creds.length === 0 && !totp?.active && !codes?.hashes.length;
      }
      default:
        return false;
    }
  }

  /** The cookie jar of an agent of `kind`, rebuilt first if a fuzzed request used it up; `anon` is always a new, empty jar. */
  async jar(kind: AgentKind): Promise<CookieJar> {
    if (kind === 'anon') return new CookieJar();
    const t = performance.now();
    try {
      const agent = this.#agents.get(kind);
      if (agent && (await this.#intact(agent))) return agent.jar;
      return (await this.#make(kind)).jar;
    } finally {
      this.stats.msFixtures += performance.now() - t;
    }
  }

  agentUser(kind: Exclude<AgentKind, 'anon'>): FixtureUser {
    return this.#agents.get(kind)!.user;
  }

  /** A user with a discoverable credential of `alg`, not flagged (re-registered when a counter regression flagged it). */
  async victim(alg: CoseAlg): Promise<FixtureUser> {
    const v = this.#victims.get(alg);
    if (v) {
      const c = await this.store.credentials.findById(v.credentialId!);
      if (c && !c.possiblyCloned && !c.disabled) return v;
    }
    if (v) this.stats.rebuilds.set(`victim ${alg}`, (this.stats.rebuilds.get(`victim ${alg}`) ?? 0) + 1);
    const fresh = await this.registerUser(new CookieJar(), { alg });
    this.#victims.set(alg, fresh);
    this.#snapshot = undefined;
    return fresh;
  }

  /** Names fuzzed values may refer to (resolved at send time, so a rebuilt fixture is named). */
  values(): WorldValues {
    const a = (k: Exclude<AgentKind, 'anon'>) => this.#agents.get(k)!.user;
    const v = (alg: CoseAlg) => this.#victims.get(alg)!;
    return {
      USERNAME: a('signedIn').username,
      USER_ID: a('signedIn').userId,
      CRED_ID: a('signedIn').credentialId!,
      STALE_USERNAME: a('stale').username,
      STALE_CRED_ID: a('stale').credentialId!,
      HALF_USERNAME: a('half').username,
      HALF_USER_ID: a('half').userId,
      ENROL_USERNAME: a('enrol').username,
      PWD_USERNAME: a('pwdSignedIn').username,
      VICTIM_USERNAME: v(-7).username,
      VICTIM_USER_ID: v(-7).userId,
      VICTIM_CRED_ID: v(-7).credentialId!,
      PASSWORD,
      TOTP_CODE: totpCode(a('half').totpSecret!, this.clock.now()),
      RECOVERY_CODE: a('half').recoveryCodes![0]!,
      TOKEN: this.#token.token,
      JTI: this.#token.jti,
      CLIENT_ID,
      CLIENT_SECRET,
      AUD,
      AUD2,
      ORIGIN,
      BASIC_OK: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      // The signed-in agent's real session id, with a wrong signature, and unsigned.
      SIGNED_IN_SESSION_FORGED: `${COOKIE}=s%3A${sessionIdIn(this.#agents.get('signedIn')!.jar) ?? ''}.${'A'.repeat(43)}`,
      SIGNED_IN_SESSION_UNSIGNED: `${COOKIE}=${sessionIdIn(this.#agents.get('signedIn')!.jar) ?? ''}`,
    };
  }

  /** What the state snapshot covers: every fixture user, its sessions, the request's own session, the real token. */
  #known(jar: CookieJar | undefined): Known {
    const userIds = new Set<string>();
    const sessionIds = new Set<string>();
    for (const a of this.#agents.values()) {
      userIds.add(a.user.userId);
      const id = sessionIdIn(a.jar);
      if (id) sessionIds.add(id);
    }
    for (const v of this.#victims.values()) userIds.add(v.userId);
    const own = jar && sessionIdIn(jar);
    if (own) sessionIds.add(own);
    return { userIds, sessionIds, jtis: new Set(this.#token.jti ? [this.#token.jti] : []) };
  }

  // ---- the oracle ------------------------------------------------------------------------

  /**
   * Sends one fuzzed request and judges it (see the file comment); throws a FuzzViolation
   * naming the request, the reply and what went wrong.
   */
  async send(req: RawRequest, label = '', endpoint = label): Promise<RawReply> {
    const known = this.#known(req.jar);
    const key = JSON.stringify([[...known.userIds].sort(), [...known.sessionIds].sort()]);
    const now = this.clock.now();
    let t = performance.now();
    const before = this.#snapshot?.key === key ? this.#snapshot.value : await snapshotState(this.store, known, now);
    this.stats.msSnapshots += performance.now() - t;
    t = performance.now();
    this.rec.drain();
    this.serverErrors.length = 0;
    let reply: RawReply;
    try {
      reply = await this.client.send(req);
    } catch (err) {
      throw new FuzzViolation(`no reply (${(err as Error).message}) ${label}\n  ${describeExchange(req)}`);
    }
    this.stats.fuzzed++;
    this.stats.msRequests += performance.now() - t;
    this.stats.msByEndpoint.set(endpoint, (this.stats.msByEndpoint.get(endpoint) ?? 0) + performance.now() - t);
    const writes = this.rec.drain();
    this.stats.byStatus.set(reply.status, (this.stats.byStatus.get(reply.status) ?? 0) + 1);
    const outcome = reply.status < 400 ? String(reply.status) : String((reply.json as { code?: unknown } | undefined)?.code ?? reply.status);
    const per = this.stats.byEndpoint.get(endpoint) ?? new Map<string, number>();
    per.set(outcome, (per.get(outcome) ?? 0) + 1);
    this.stats.byEndpoint.set(endpoint, per);
    const fail = (what: string) => {
      throw new FuzzViolation(`${what} ${label}\n  ${describeExchange(req, reply)}${this.serverErrors.length ? `\n  server log: ${this.serverErrors.join('\n  ').slice(0, 3000)}` : ''}`);
    };
    if (reply.status >= 500) fail(`5xx reply`);
    if (reply.status < 400 || reply.status >= 500) {
      this.#snapshot = undefined;
      return reply;
    }
    const body = reply.json as { code?: unknown; status?: unknown } | undefined;
    if (req.method !== 'HEAD') {
      if (!body || typeof body !== 'object') fail('4xx without a JSON body');
      if (typeof body!.code !== 'string' || !SNAKE.test(body!.code)) fail('4xx without a stable snake_case `code`');
      if (!(body!.code as string in ERROR_CATALOGUE)) fail(`4xx with a code outside the error catalogue (${body!.code as string})`);
      else if (statusOf(body!.code as ErrorCode) !== reply.status) fail(`4xx whose status is not the catalogue's for ${body!.code as string} (${statusOf(body!.code as ErrorCode)})`);
      if (body!.status !== 'failed') fail('4xx without status "failed"');
      if (typeof (body as { errorMessage?: unknown }).errorMessage !== 'string' || (body as { errorMessage: string }).errorMessage === '') fail('4xx without an errorMessage');
      this.stats.codes.set(body!.code as string, (this.stats.codes.get(body!.code as string) ?? 0) + 1);
    }
    const bad = refusedWrites(writes, body?.code);
    if (bad.length > 0) fail(`a refused request wrote state: ${bad.map((w) => `${w.op}(${w.key})`).join(', ')}`);
    t = performance.now();
    const after = await snapshotState(this.store, known, now);
    this.stats.msSnapshots += performance.now() - t;
    if (allowDesignedChanges(body?.code, before, after) !== before) fail(`a refused request changed stored state:\n  ${snapshotDiff(before, after)}`);
    this.#snapshot = { key, value: after };
    return reply;
  }

  /** A request outside the oracle (a ceremony's options call before a fuzzed result). Any 5xx still fails. */
  async prelude(req: RawRequest, label = ''): Promise<RawReply> {
    const reply = await this.client.send(req);
    if (reply.status >= 500) throw new FuzzViolation(`5xx reply to a prelude ${label}\n  ${describeExchange(req, reply)}\n  server log: ${this.serverErrors.join('\n  ').slice(0, 3000)}`);
    this.#snapshot = undefined;
    return reply;
  }

  /** Outcomes (2xx status or 4xx code) per endpoint, one line each (printed with FUZZ_VERBOSE=1). */
  outcomes(): string {
    return [...this.stats.byEndpoint]
      .map(([e, m]) => `  ${e} (${Math.round(this.stats.msByEndpoint.get(e) ?? 0)} ms): ${[...m].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c}:${n}`).join(' ')}`)
      .join('\n');
  }

  summary(): string {
    const statuses = [...this.stats.byStatus].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
    const codes = [...this.stats.codes].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([c, n]) => `${c}:${n}`).join(' ');
    const ms = (n: number) => `${(n / 1000).toFixed(1)} s`;
    return `${this.stats.fuzzed} judged requests (${this.client.sent} sent in all); statuses ${statuses}; top codes ${codes}; time in requests ${ms(this.stats.msRequests)}, snapshots ${ms(this.stats.msSnapshots)}, fixtures ${ms(this.stats.msFixtures)} (rebuilt: ${[...this.stats.rebuilds].map(([k, n]) => `${k}×${n}`).join(' ') || 'none'})`;
  }
}

/** The session id a jar's signed session cookie carries (`s:<id>.<signature>`), if any. */
export function sessionIdIn(jar: CookieJar): string | undefined {
  const raw = jar.cookies.get(COOKIE);
  if (raw === undefined) return undefined;
  let v: string;
  try {
    v = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  const m = /^s:([A-Za-z0-9_-]{43})\./.exec(v);
  return m?.[1];
}

/** `body` as a JSON request: method-less parts of a RawRequest. */
/** JSON.stringify that also writes bigints and byte arrays (for labels). */
export function show(v: unknown, max = 400): string {
  const s = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `bytes(${x.length}):${Buffer.from(x.subarray(0, 24)).toString('hex')}` : x)) ?? String(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function jsonBody(body: unknown): { body: Buffer; headers: Record<string, string> } {
  return { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } };
}
