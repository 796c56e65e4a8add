/**
 * The signing-key ring, through HTTP on every store: keys live in the store with their
 * private halves sealed, every instance signs with the same ring (and one ring comes out of
 * a concurrent first start), rotation publishes a key TOKEN_KEY_LEAD_SECONDS before it
 * signs and keeps a retired key published until its last token expired (+ RETIRED_SKEW_MS),
 * rotation by age, and `npm run rotate-keys`.
 *
 * Instances: two Store objects on one MongoDB database (each with its own 30 s ring cache);
 * on the memory store the one store object is shared, so its cache is too.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from '@jest/globals';
import { decodeProtectedHeader } from 'jose';
import { MongoClient } from 'mongodb';
import type { Store } from '../../server/src/storage/ports.js';
import { RETIRED_SKEW_MS } from '../../server/src/tokens/key-ring.js';
import { KEY_RING_CACHE_MS, rotateKeys } from '../../server/src/tokens/key-ring-service.js';
import { open as unseal } from '../../server/src/lib/data-cipher.js';
import type { Harness } from '../helpers/harness.js';
import { DATA_KEYS, isActive, jwksOf, kidsOf, readmeVerify, ringDeps, signedIn, signInAgain, tokenFor, tokenHarness, twinStores } from '../helpers/token-flows.js';
import { testStores } from '../helpers/test-stores.js';

const run = promisify(execFile);
const LEAD_MS = 900_000; // TOKEN_KEY_LEAD_SECONDS default
const TTL_MS = 300_000; // TOKEN_TTL_SECONDS default
const DAY_MS = 86_400_000;

describe.each(testStores().map((f) => [f.name, f] as const))('signing keys on the %s store', (name, factory) => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });
  const open = async (): Promise<Store> => {
    const s = await factory.open();
    cleanup.push(() => s.close());
    return s;
  };
  const twins = async () => {
    const t = await twinStores(factory);
    cleanup.push(t.close);
    return t;
  };
  /** Two instances on one store, their clocks together. */
  const twoInstances = async (env: Record<string, string> = {}) => {
    const t = await twins();
    const a = tokenHarness(t.a, env);
    const b = tokenHarness(t.b, env);
    b.clock.set(a.clock.now());
    return { a, b, t, both: (ms: number) => (a.clock.advance(ms), b.clock.advance(ms)) };
  };
  const verify = async (h: Harness, token: string, at = h.clock.now()) => readmeVerify(token, await jwksOf(h.app), { issuer: h.config.tokenIssuer, at });

  it('keeps the ring in the store with the private half sealed (never in clear, never published)', async () => {
    const t = await twins();
    const h = tokenHarness(t.a);
    const [kid] = await kidsOf(h.app);
    const ring = await h.store.keyRing.get();
    expect(ring?.keys.map((k) => k.kid)).toEqual([kid]);
    const key = ring!.keys[0]!;
    // The sealed half opens with DATA_KEYS (bound to the kid) into the private JWK...
    const d = (JSON.parse(unseal(h.config.dataKeys, key.sealedPrivateJwk, `signing-key:${key.kid}`)) as { d: string }).d;
    expect(d.length).toBeGreaterThan(20);
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.sealedPrivateJwk).not.toContain(d);
    expect(JSON.stringify(await jwksOf(h.app))).not.toContain(d);
    if (t.uri) {
      // The raw document, as anyone reading the database sees it.
      const client = await MongoClient.connect(t.uri);
      try {
        const docs = await client.db(t.dbName).collection('key_ring').find({}).toArray();
        expect(docs).toHaveLength(1);
        expect(JSON.stringify(docs)).toContain(kid);
        expect(JSON.stringify(docs)).not.toContain(d);
      } finally {
        await client.close();
      }
    }
  });

  it('ends with ONE ring and one kid when two instances start at once on an empty store', async () => {
    const { a, b, t } = await twoInstances();
    const [ja, jb] = await Promise.all([jwksOf(a.app), jwksOf(b.app)]);
    expect(ja.keys).toHaveLength(1);
    expect(jb.keys).toEqual(ja.keys);
    const ring = await t.a.keyRing.get();
    expect(ring?.keys.map((k) => k.kid)).toEqual([ja.keys[0]!.kid]);
    expect(ring?.version).toBe(1);
  });

  it('ends with one ring when two instances race their first POST /token', async () => {
    const { a, b } = await twoInstances();
    const alice = await signedIn(a, 'alice');
    const bob = await signedIn(b, 'bob');
    const [ta, tb] = await Promise.all([tokenFor(alice.agent), tokenFor(bob.agent)]);
    expect(ta.header.kid).toBe(tb.header.kid);
    expect(await kidsOf(a.app)).toEqual([ta.header.kid]);
  });

  it('signs with the same ring on every instance: a token from one verifies against the other\'s JWKS and introspection', async () => {
    const { a, b } = await twoInstances();
    const fromA = await tokenFor((await signedIn(a, 'alice')).agent);
    const fromB = await tokenFor((await signedIn(b, 'bob')).agent);
    expect(fromA.header.kid).toBe(fromB.header.kid);
    expect(await kidsOf(a.app)).toEqual(await kidsOf(b.app));
    expect(await verify(b, fromA.token)).toMatchObject({ ok: true });
    expect(await verify(a, fromB.token)).toMatchObject({ ok: true });
    expect(await isActive(b.app, fromA.token)).toBe(true);
    expect(await isActive(a.app, fromB.token)).toBe(true);
  });

  it('loses no key on a restart: a new instance on the same store keeps the kid and verifies old tokens', async () => {
    const t = await twins();
    const before = tokenHarness(t.a);
    const { token, header } = await tokenFor((await signedIn(before)).agent);
    const after = tokenHarness(t.b);
    after.clock.set(before.clock.now());
    expect(await kidsOf(after.app)).toEqual([header.kid]);
    expect(await isActive(after.app, token)).toBe(true);
    expect(await tokenFor((await signedIn(after, 'bob')).agent)).toMatchObject({ header: { kid: header.kid } });
  });

  it('publishes a rotated key TOKEN_KEY_LEAD_SECONDS before it signs; the old one signs until then', async () => {
    const h = tokenHarness(await open());
    const { auth } = await signedIn(h);
    const [oldKid] = await kidsOf(h.app);
    await rotateKeys(ringDeps(h));
    const kids = await kidsOf(h.app);
    expect(kids).toHaveLength(2);
    const newKid = kids.find((k) => k !== oldKid)!;
    expect(kids).toContain(oldKid);
    // Published at once, but not signing yet: the old key signs up to the lead time.
    expect((await tokenFor(await signInAgain(h, auth))).header.kid).toBe(oldKid);
    h.clock.advance(LEAD_MS - 1_000);
    expect((await tokenFor(await signInAgain(h, auth))).header.kid).toBe(oldKid);
    h.clock.advance(1_000);
    expect((await tokenFor(await signInAgain(h, auth))).header.kid).toBe(newKid);
    expect((await kidsOf(h.app)).sort()).toEqual([oldKid, newKid].sort());
  });

  it('keeps verifying a token signed just before the switch until it expires; then the old key leaves the JWKS', async () => {
    const h = tokenHarness(await open());
    const { auth } = await signedIn(h);
    const [oldKid] = await kidsOf(h.app);
    await rotateKeys(ringDeps(h));
    const switchAt = h.clock.now().getTime() + LEAD_MS;
    h.clock.set(switchAt - 5_000);
    const old = await tokenFor(await signInAgain(h, auth));
    expect(old.header.kid).toBe(oldKid);
    h.clock.set(switchAt + 5_000);
    const fresh = await tokenFor(await signInAgain(h, auth));
    expect(fresh.header.kid).not.toBe(oldKid);
    // The old key's last token still verifies, to the end of its life, both ways.
    expect(await isActive(h.app, old.token)).toBe(true);
    expect(await verify(h, old.token)).toMatchObject({ ok: true });
    h.clock.set(old.claims.exp! * 1000 - 1_000);
    expect(await isActive(h.app, old.token)).toBe(true);
    expect(await verify(h, old.token)).toMatchObject({ ok: true });
    h.clock.set(old.claims.exp! * 1000);
    expect(await isActive(h.app, old.token)).toBe(false);
    // The key stays published until every token it could sign has expired (+ skew)...
    const leavesAt = switchAt + TTL_MS + RETIRED_SKEW_MS;
    h.clock.set(leavesAt - 1_000);
    expect(await kidsOf(h.app)).toContain(oldKid);
    // ...then it is gone: its tokens no longer verify even at a time they were valid.
    h.clock.set(leavesAt + 1_000);
    expect(await kidsOf(h.app)).toEqual([fresh.header.kid]);
    const atIssue = new Date(old.claims.iat! * 1000);
    expect(await verify(h, old.token, atIssue)).toMatchObject({ ok: false, code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(await verify(h, fresh.token, new Date(fresh.claims.iat! * 1000))).toMatchObject({ ok: true });
    // ...and the store forgot it as well (pruned, not just hidden).
    h.clock.advance(KEY_RING_CACHE_MS + 1_000);
    await kidsOf(h.app);
    expect((await h.store.keyRing.get())!.keys.map((k) => k.kid)).toEqual([fresh.header.kid]);
  });

  it('keeps a token valid across a rotation when tokens outlive the lead time (TOKEN_TTL_SECONDS > lead)', async () => {
    const h = tokenHarness(await open(), { TOKEN_TTL_SECONDS: '3600' });
    const { agent } = await signedIn(h);
    const old = await tokenFor(agent);
    await rotateKeys(ringDeps(h));
    h.clock.advance(LEAD_MS + 60_000);
    expect(await isActive(h.app, old.token)).toBe(true);
    expect(await verify(h, old.token)).toMatchObject({ ok: true });
    h.clock.set(old.claims.exp! * 1000 + 1_000);
    expect(await isActive(h.app, old.token)).toBe(false);
    expect(await verify(h, old.token)).toMatchObject({ ok: false, code: 'ERR_JWT_EXPIRED' });
  });

  it('lets another instance see a rotation within its ring cache, long before the new key signs', async () => {
    const { a, b, both } = await twoInstances();
    const [oldKid] = await kidsOf(b.app); // b has the ring cached now
    await rotateKeys(ringDeps(a));
    both(KEY_RING_CACHE_MS + 1_000);
    expect(await kidsOf(b.app)).toHaveLength(2);
    expect(await kidsOf(b.app)).toContain(oldKid);
    both(LEAD_MS);
    const fromB = await tokenFor((await signedIn(b, 'bob')).agent);
    const fromA = await tokenFor((await signedIn(a, 'carol')).agent);
    expect(fromB.header.kid).not.toBe(oldKid);
    expect(fromB.header.kid).toBe(fromA.header.kid);
  });

  it('rotates by age (TOKEN_KEY_ROTATION_DAYS), publishing the successor a lead time ahead', async () => {
    const h = tokenHarness(await open(), { TOKEN_KEY_ROTATION_DAYS: '1' });
    const { auth } = await signedIn(h);
    const [oldKid] = await kidsOf(h.app);
    h.clock.advance(DAY_MS - 60_000);
    expect(await kidsOf(h.app)).toEqual([oldKid]);
    h.clock.advance(60_000 + KEY_RING_CACHE_MS);
    const kids = await kidsOf(h.app);
    expect(kids).toHaveLength(2);
    expect((await tokenFor(await signInAgain(h, auth))).header.kid).toBe(oldKid);
    h.clock.advance(LEAD_MS);
    const next = await tokenFor(await signInAgain(h, auth));
    expect(next.header.kid).toBe(kids.find((k) => k !== oldKid));
    // No rotation storm: the successor is not itself due for a day.
    h.clock.advance(KEY_RING_CACHE_MS + 1_000);
    expect(await kidsOf(h.app)).toHaveLength(2);
  });

  it('never rotates by age with TOKEN_KEY_ROTATION_DAYS=0', async () => {
    const h = tokenHarness(await open(), { TOKEN_KEY_ROTATION_DAYS: '0' });
    const [kid] = await kidsOf(h.app);
    h.clock.advance(400 * DAY_MS);
    expect(await kidsOf(h.app)).toEqual([kid]);
  });

  it('rotates by age ONCE when two instances notice it at the same moment', async () => {
    const { a, b, t, both } = await twoInstances({ TOKEN_KEY_ROTATION_DAYS: '1' });
    await kidsOf(a.app);
    both(DAY_MS + KEY_RING_CACHE_MS);
    const [ka, kb] = await Promise.all([kidsOf(a.app), kidsOf(b.app)]);
    const ring = await t.a.keyRing.get();
    // key-ring-service.ts: "each by compare-and-set on the ring's version (a lost race just reads the winner's ring)".
    expect({ keys: ring!.keys.length, a: ka.length, b: kb.length }).toEqual({ keys: 2, a: 2, b: 2 });
  });

  it('makes each on-demand rotation publish its key before the one before it stops signing (no gap)', async () => {
    const h = tokenHarness(await open());
    const { auth } = await signedIn(h);
    await kidsOf(h.app);
    await rotateKeys(ringDeps(h));
    h.clock.advance(60_000);
    await rotateKeys(ringDeps(h));
    const kids = await kidsOf(h.app);
    expect(kids).toHaveLength(3);
    // Whatever signs at any moment is published at that moment.
    for (let t = 0; t <= LEAD_MS + 120_000; t += 60_000) {
      const { token, header } = await tokenFor(await signInAgain(h, auth));
      expect(await kidsOf(h.app)).toContain(header.kid);
      expect(await isActive(h.app, token)).toBe(true);
      h.clock.advance(60_000);
    }
  });

  if (name === 'mongo') {
    it('rotates from the command line: `npm run rotate-keys` against the same database', async () => {
      const t = await twins();
      const h = tokenHarness(t.a);
      h.clock.set(Date.now()); // the script uses the system clock
      const [oldKid] = await kidsOf(h.app);
      const { stdout } = await run('npm', ['run', '--silent', 'rotate-keys'], {
        env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: t.uri!, MONGODB_DB: t.dbName!, DATA_KEYS, HMAC_SECRET: 'rotate-keys-hmac-secret-rotate-keys-hmac', RP_ID: 'localhost', RP_ORIGINS: 'http://localhost:3000', LOG_LEVEL: 'silent' },
        timeout: 20_000,
      });
      expect(stdout).toContain(oldKid);
      h.clock.advance(KEY_RING_CACHE_MS + 1_000);
      const kids = await kidsOf(h.app);
      expect(kids).toHaveLength(2);
      const newKid = kids.find((k) => k !== oldKid)!;
      expect(stdout).toContain(newKid);
      // The script's key signs after the lead time, on the running instance.
      const { auth } = await signedIn(h);
      expect((await tokenFor(await signInAgain(h, auth))).header.kid).toBe(oldKid);
      h.clock.advance(LEAD_MS + 1_000);
      const { token } = await tokenFor(await signInAgain(h, auth));
      expect(decodeProtectedHeader(token).kid).toBe(newKid);
      expect(await isActive(h.app, token)).toBe(true);
    }, 30_000);
  }
});

describe('npm run rotate-keys without MongoDB', () => {
  it('refuses with exit code 2 and says why (the memory store lives inside a running keygate)', async () => {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), NODE_ENV: 'test', LOG_LEVEL: 'silent' };
    delete env.MONGODB_URI;
    const err = await run('npm', ['run', '--silent', 'rotate-keys'], { env, timeout: 20_000 }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(2);
    expect(err?.stderr).toContain('MONGODB_URI');
  }, 30_000);
});
