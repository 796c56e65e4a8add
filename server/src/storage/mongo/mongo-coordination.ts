import { randomUUID } from 'node:crypto';
import { MongoServerError, type Db } from 'mongodb';
import type { LockoutStore, LockStore, RateLimitStore } from '../ports.js';
import { DUPLICATE_KEY, guard } from './mongo-errors.js';

/**
 * The MongoDB store's coordination parts, each one atomic single-document operation:
 * rate-limit windows (`rate_limits`, upsert + $inc per key and window, by one or several hits) and locks (`locks`,
 * an upsert that can only match an expired lock, so a held one makes it fail with 11000).
 */
export function mongoRateLimits(db: Db): RateLimitStore {
  const rateLimits = db.collection<{ _id: string; count: number; expiresAt: Date }>('rate_limits');
  return {
    hit: async (key, windowMs, now, hits = 1) => {
      const t = now.getTime();
      const start = t - (t % windowMs);
      const resetAt = new Date(start + windowMs);
      const bump = () =>
        rateLimits.findOneAndUpdate({ _id: `${key}|${start}` }, { $inc: { count: hits }, $setOnInsert: { expiresAt: resetAt } }, { upsert: true, returnDocument: 'after' });
      let doc;
      try {
        doc = await guard(bump);
      } catch (err) {
        // Two first hits of a window can race on the upsert; the loser retries as an update.
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
        doc = await guard(bump);
      }
      return { count: doc?.count ?? hits, resetAt };
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

/**
 * Lockout counters (`lockouts`, one document per key). `reserve` is one conditional
 * `updateOne` (count below the threshold and not locked) and, for a key with no record, an
 * insert whose duplicate-key failure means someone else created it first (then the update
 * is tried once more); `fail` locks with a compare-and-set on the strikes it read.
 */
export function mongoLockouts(db: Db): LockoutStore {
  // lockedUntil is always a Date (the epoch until the first lockout), so "not locked" is one range condition.
  const lockouts = db.collection<{ _id: string; count: number; strikes: number; lockedUntil: Date; expiresAt: Date }>('lockouts');
  const notLocked = (now: Date) => ({ lockedUntil: { $lte: now } });
  return {
    reserve: async (key, now, { threshold, decayMs }) => {
      await guard(() => lockouts.deleteOne({ _id: key, expiresAt: { $lte: now } }));
      const expiresAt = new Date(now.getTime() + decayMs);
      const bump = async () =>
        (await guard(() => lockouts.updateOne({ _id: key, count: { $lt: threshold }, ...notLocked(now) }, { $inc: { count: 1 }, $max: { expiresAt } }))).matchedCount === 1;
      if (await bump()) return { ok: true };
      try {
        await guard(() => lockouts.insertOne({ _id: key, count: 1, strikes: 0, lockedUntil: new Date(0), expiresAt }));
        return { ok: true };
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
      }
      if (await bump()) return { ok: true };
      const doc = await guard(() => lockouts.findOne({ _id: key }));
      const lockedUntil = doc && doc.lockedUntil > now ? doc.lockedUntil : new Date(now.getTime() + 1000);
      return { ok: false, retryAt: lockedUntil };
    },
    fail: async (key, now, { threshold, decayMs, lockMs }) => {
      const doc = await guard(() => lockouts.findOne({ _id: key, expiresAt: { $gt: now }, count: { $gte: threshold }, ...notLocked(now) }));
      if (!doc) return false;
      const lockedUntil = new Date(now.getTime() + lockMs(doc.strikes));
      const r = await guard(() =>
        lockouts.updateOne(
          { _id: key, strikes: doc.strikes, count: { $gte: threshold }, ...notLocked(now) },
          { $set: { lockedUntil, count: 0, expiresAt: new Date(lockedUntil.getTime() + decayMs) }, $inc: { strikes: 1 } },
        ),
      );
      return r.modifiedCount === 1;
    },
    release: async (key) => {
      await guard(() => lockouts.updateOne({ _id: key, count: { $gt: 0 } }, { $inc: { count: -1 } }));
    },
    reset: async (key) => {
      await guard(() => lockouts.deleteOne({ _id: key }));
    },
    lockedUntil: async (key, now) => {
      const doc = await guard(() => lockouts.findOne({ _id: key, lockedUntil: { $gt: now } }, { projection: { lockedUntil: 1 } }));
      return doc?.lockedUntil;
    },
  };
}
