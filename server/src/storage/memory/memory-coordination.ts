import { randomUUID } from 'node:crypto';
import type { LockoutStore, LockStore, RateLimitStore } from '../ports.js';

/**
 * The memory store's coordination parts: rate-limit windows and locks. Each method body
 * runs without awaiting, so each operation is atomic within the process (which is all the
 * memory store ever serves).
 */
export function createMemoryRateLimits(): RateLimitStore {
  const buckets = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, windowMs, now, hits = 1) {
      const t = now.getTime();
      const start = t - (t % windowMs);
      const id = `${key}|${start}`;
      const bucket = buckets.get(id) ?? { count: 0, resetAt: start + windowMs };
      bucket.count += hits;
      buckets.set(id, bucket);
      if (buckets.size > 100_000) for (const [k, b] of buckets) if (b.resetAt <= t) buckets.delete(k);
      return { count: bucket.count, resetAt: new Date(bucket.resetAt) };
    },
  };
}

export function createMemoryLocks(): LockStore {
  const locks = new Map<string, { until: number; token: string }>();
  return {
    async acquire(name, ttlMs, now) {
      const held = locks.get(name);
      if (held !== undefined && held.until > now.getTime()) return undefined;
      const token = randomUUID();
      locks.set(name, { until: now.getTime() + ttlMs, token });
      return token;
    },
    async release(name, token) {
      if (locks.get(name)?.token === token) locks.delete(name);
    },
  };
}

export function createMemoryLockouts(): LockoutStore {
  const counters = new Map<string, { count: number; strikes: number; lockedUntil?: number; expiresAt: number }>();
  const live = (key: string, t: number) => {
    const c = counters.get(key);
    if (c && c.expiresAt <= t) counters.delete(key);
    return c && c.expiresAt > t ? c : undefined;
  };
  return {
    async reserve(key, now, { threshold, decayMs }) {
      const t = now.getTime();
      const c = live(key, t) ?? { count: 0, strikes: 0, expiresAt: t + decayMs };
      if (c.lockedUntil !== undefined && c.lockedUntil > t) return { ok: false, retryAt: new Date(c.lockedUntil) };
      if (c.count >= threshold) return { ok: false, retryAt: new Date(t + 1000) };
      c.count += 1;
      c.expiresAt = Math.max(c.expiresAt, t + decayMs);
      counters.set(key, c);
      if (counters.size > 100_000) for (const k of counters.keys()) live(k, t);
      return { ok: true };
    },
    async fail(key, now, { threshold, decayMs, lockMs }) {
      const t = now.getTime();
      const c = live(key, t);
      if (!c || c.count < threshold || (c.lockedUntil !== undefined && c.lockedUntil > t)) return false;
      c.lockedUntil = t + lockMs(c.strikes);
      c.strikes += 1;
      c.count = 0;
      c.expiresAt = c.lockedUntil + decayMs;
      return true;
    },
    async release(key) {
      const c = counters.get(key);
      if (c && c.count > 0) c.count -= 1;
    },
    async reset(key) {
      counters.delete(key);
    },
    async lockedUntil(key, now) {
      const until = live(key, now.getTime())?.lockedUntil;
      return until !== undefined && until > now.getTime() ? new Date(until) : undefined;
    },
  };
}
