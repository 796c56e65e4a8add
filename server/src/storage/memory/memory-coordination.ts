import { randomUUID } from 'node:crypto';
import type { LockStore, RateLimitStore } from '../ports.js';

/**
 * The memory store's coordination parts: rate-limit windows and locks. Each method body
 * runs without awaiting, so each operation is atomic within the process (which is all the
 * memory store ever serves).
 */
export function createMemoryRateLimits(): RateLimitStore {
  const buckets = new Map<string, { count: number; resetAt: number }>();
  return {
    async hit(key, windowMs, now) {
      const t = now.getTime();
      const start = t - (t % windowMs);
      const id = `${key}|${start}`;
      const bucket = buckets.get(id) ?? { count: 0, resetAt: start + windowMs };
      bucket.count += 1;
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
