import { MongoServerError, type Db } from 'mongodb';
import type { IssuedToken, KeyRing, KeyRingStore, SigningKey, TokenStore } from '../ports.js';
import { DUPLICATE_KEY, guard } from './mongo-errors.js';
import { fromDoc, stripNulls } from './mongo-docs.js';

type RingDoc = Omit<KeyRing, 'keys'> & { _id: 'ring'; keys: SigningKey[] };

/** Strips `null`s (absent optional fields) from a signing key read back. */
const keyFromDoc = (k: SigningKey): SigningKey => stripNulls(k);

/**
 * The MongoDB store's token parts: the key ring is ONE document (`key_ring`, `_id: "ring"`)
 * created with an insert (11000 = another instance won) and changed by compare-and-set on
 * `version`; issued tokens use `_id = sessionId:audience` (a second exchange is a duplicate
 * key) and a unique index on `jti`; revocations are `_id = jti` with a TTL on `expiresAt`.
 */
export function mongoTokens(db: Db): { keyRing: KeyRingStore; tokens: TokenStore } {
  const rings = db.collection<RingDoc>('key_ring');
  const issued = db.collection<Omit<IssuedToken, 'id'> & { _id: string }>('issued_tokens');
  const revoked = db.collection<{ _id: string; expiresAt: Date }>('revoked_tokens');
  const insertOnce = async (op: () => Promise<unknown>): Promise<boolean> => {
    try {
      await guard(op);
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  };
  return {
    keyRing: {
      get: async () => {
        const doc = await guard(() => rings.findOne({ _id: 'ring' }));
        return doc ? { version: doc.version, updatedAt: doc.updatedAt, keys: doc.keys.map(keyFromDoc) } : undefined;
      },
      create: (ring) => insertOnce(() => rings.insertOne({ _id: 'ring', ...ring })),
      replace: async (ring, expectedVersion) =>
        (await guard(() => rings.replaceOne({ _id: 'ring', version: expectedVersion }, { ...ring }))).matchedCount === 1,
    },
    tokens: {
      claimIssue: ({ id, ...rest }) => insertOnce(() => issued.insertOne({ _id: id, ...rest })),
      findByJti: async (jti, now) => fromDoc<IssuedToken>(await guard(() => issued.findOne({ jti, expiresAt: { $gt: now } }))),
      revoke: async (jti, expiresAt) => {
        await guard(() => revoked.updateOne({ _id: jti }, { $max: { expiresAt } }, { upsert: true }));
      },
      isRevoked: async (jti, now) => (await guard(() => revoked.findOne({ _id: jti, expiresAt: { $gt: now } }))) !== null,
    },
  };
}
