import { randomUUID } from 'node:crypto';
import { MongoServerError, type Db } from 'mongodb';
import type { LockStore, RateLimitStore } from '../ports.js';
import { DUPLICATE_KEY, guard } from './mongo-errors.js';

/**
 * The MongoDB store's coordination parts, each one atomic single-document operation:
 * rate-limit windows (`rate_limits`, upsert + $inc per key and window) and locks (`locks`,
 * an upsert that can only match an expired lock, so a held one makes it fail with 11000).
 */
export function mongoRateLimits(db: Db): RateLimitStore {
  const rateLimits = db.collection<{ _id: string; count: number; expiresAt: Date }>('rate_limits');
  return {
    hit: async (key, windowMs, now) => {
      const t = now.getTime();
      const start = t - (t % windowMs);
      const resetAt = new Date(start + windowMs);
      const bump = () =>
        rateLimits.findOneAndUpdate({ _id: `${key}|${start}` }, { $inc: { count: 1 }, $setOnInsert: { expiresAt: resetAt } }, { upsert: true, returnDocument: 'after' });
      let doc;
      try {
        doc = await guard(bump);
      } catch (err) {
        // Two first hits of a window can race on the upsert; the loser retries as an update.
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        doc = await guard(bump);
      }
      return { count: doc?.count ?? 1, resetAt };
    },
  };
}

export function mongoLocks(db: Db): LockStore {
  const locks = db.collection<{ _id: string; expiresAt: Date; token: string }>('locks');
  return {
    acquire: async (name, ttlMs, now) => {
      const token = randomUUID();
      try {
        await guard(() => locks.updateOne({ _id: name, expiresAt: { $lte: now } }, { $set: { expiresAt: new Date(now.getTime() + ttlMs), token } }, { upsert: true }));
        return token;
      } catch (err) {
        if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return undefined;
        throw err;
      }
    },
    release: async (name, token) => {
      await guard(() => locks.deleteOne({ _id: name, token }));
    },
  };
}
