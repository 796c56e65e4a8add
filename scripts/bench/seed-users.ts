/**
 * Seeds `count` users, each with one ES256 security key, straight into the store (no HTTP,
 * no ceremony), so sign-in cost can be measured with a large user base. The seeded users are
 * never signed in with; they are what the store holds besides the bench's own accounts.
 *
 * - Memory store: through the store ports (`users.insert`, `credentials.insert`).
 * - MongoDB: one template user and credential go through the ports (so the documents have
 *   exactly the shape the adapter writes, indexes included); their raw documents are read
 *   back and cloned with fresh ids, usernames and credential ids (every field equal to the
 *   template's value is replaced, strings and binaries alike), then `insertMany` in batches of
 *   1 000. Read back through the ports afterwards; if the template cannot be found or a bulk
 *   insert is refused, it falls back to the ports (64 in flight) and says so.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Binary, MongoClient, type Document } from 'mongodb';
import type { Config } from '../../server/src/config/config-schema.js';
import type { StoredCredential, User } from '../../server/src/storage/records.js';
import type { Store } from '../../server/src/storage/ports.js';
import { cborEncode } from '../../test/helpers/soft-authenticator.js';

const BATCH = 1000;
const b64u = (n: number) => randomBytes(n).toString('base64url');

const coseKey = (() => {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  const m = new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]);
  return cborEncode(m);
})();
const attestationObject = randomBytes(256);

function records(n: number): { user: User; credential: StoredCredential } {
  const now = new Date();
  const user: User = { id: b64u(32), username: `seed-${n}-${b64u(4).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`, displayName: `Seeded user ${n}`, createdAt: now };
  const credential: StoredCredential = {
    id: b64u(32),
    userId: user.id,
    publicKey: coseKey,
    alg: -7,
    counter: 0,
    transports: ['usb'],
    aaguid: '00000000-0000-0000-0000-000000000000',
    fmt: 'none',
    attestationObject,
    backupEligible: false,
    backedUp: false,
    userVerified: true,
    name: 'Security key',
    createdAt: now,
    possiblyCloned: false,
    disabled: false,
  };
  return { user, credential };
}

async function viaPorts(store: Store, from: number, count: number, inFlight: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const { user, credential } = records(from + next++);
      await store.users.insert(user);
      await store.credentials.insert(credential);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

type Swap = Map<string, string>;

/** A deep copy of `v` with every string (or binary holding the bytes of a base64url string) in `swap` replaced. */
function cloneWith(v: unknown, swap: Swap, bin: Map<string, Buffer>): unknown {
  if (typeof v === 'string') return swap.get(v) ?? v;
  if (v instanceof Binary) {
    const hit = bin.get(Buffer.from(v.buffer).toString('base64url'));
    return hit ? new Binary(hit, v.sub_type) : v;
  }
  if (v instanceof Date || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => cloneWith(x, swap, bin));
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = cloneWith(x, swap, bin);
  return out;
}

const holds = (doc: Document, s: string) => JSON.stringify(doc).includes(JSON.stringify(s)) || JSON.stringify(doc).includes(Buffer.from(s, 'base64url').toString('base64'));

async function viaBulk(store: Store, config: Config, from: number, count: number): Promise<string> {
  const client = new MongoClient(config.mongodbUri!, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  try {
    const db = client.db(config.mongodbDb);
    const t = records(from);
    await store.users.insert(t.user);
    await store.credentials.insert(t.credential);
    const uDoc = (await db.collection('users').find({}).toArray()).find((d) => holds(d, t.user.username));
    const cDoc = (await db.collection('credentials').find({}).toArray()).find((d) => holds(d, t.credential.id));
    if (!uDoc || !cDoc) {
      await viaPorts(store, from + 1, count - 1, 64);
      return 'store ports (the template documents were not found in users/credentials)';
    }
    let last: { user: User; credential: StoredCredential } | undefined;
    for (let done = 1; done < count; ) {
      const n = Math.min(BATCH, count - done);
      const users: Document[] = [];
      const creds: Document[] = [];
      for (let i = 0; i < n; i++) {
        const r = records(from + done + i);
        const swap: Swap = new Map([[t.user.id, r.user.id], [t.user.username, r.user.username], [t.user.displayName, r.user.displayName], [t.credential.id, r.credential.id]]);
        const bin = new Map([[t.user.id, Buffer.from(r.user.id, 'base64url')], [t.credential.id, Buffer.from(r.credential.id, 'base64url')]]);
        users.push(cloneWith(uDoc, swap, bin) as Document);
        creds.push(cloneWith(cDoc, swap, bin) as Document);
        last = r;
      }
      await db.collection('users').insertMany(users, { ordered: false });
      await db.collection('credentials').insertMany(creds, { ordered: false });
      done += n;
    }
    if (last) {
      const u = await store.users.findByUsername(last.user.username);
      const c = await store.credentials.listByUser(last.user.id);
      const byId = await store.credentials.findById(last.credential.id);
      if (u?.id !== last.user.id || c.length !== 1 || c[0]?.id !== last.credential.id || byId?.userId !== last.user.id) {
        throw new Error('seeded MongoDB documents do not read back through the store ports (the adapter\'s document shape changed?)');
      }
    }
    return 'insertMany of documents cloned from one written through the ports';
  } finally {
    await client.close();
  }
}

export async function seedUsers(store: Store, config: Config, count: number, from: number): Promise<{ ms: number; via: string }> {
  const t0 = performance.now();
  if (count <= 0) return { ms: 0, via: 'nothing to seed' };
  let via: string;
  if (store.kind === 'mongo') via = await viaBulk(store, config, from, count);
  else {
    await viaPorts(store, from, count, 1);
    via = 'store ports';
  }
  return { ms: performance.now() - t0, via };
}
