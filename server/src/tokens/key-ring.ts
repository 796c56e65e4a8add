import type { KeyRing, SigningKey } from '../storage/ports.js';

/**
 * The signing-key ring's rules, as pure functions of the ring and the time:
 * - a key SIGNS from `activatesAt` until `retiresAt`; of several such keys the newest signs;
 * - a key is PUBLISHED (JWKS) from the moment it is in the ring (so verifiers learn it a
 *   lead time before it signs) until `retiresAt + tokenTtl + RETIRED_SKEW_MS`, when every
 *   token it signed has expired; then `pruned` drops it;
 * - `rotated` adds a key that activates after the lead time and retires the current
 *   signer at that moment: there is always exactly one signer, and no gap.
 */
export const RETIRED_SKEW_MS = 60_000;

export function signerAt(ring: KeyRing, now: Date): SigningKey | undefined {
  const t = now.getTime();
  return ring.keys
    .filter((k) => k.activatesAt.getTime() <= t && (k.retiresAt === undefined || k.retiresAt.getTime() > t))
    .sort((a, b) => b.activatesAt.getTime() - a.activatesAt.getTime())[0];
}

export function publishedAt(ring: KeyRing, now: Date, tokenTtlSeconds: number): SigningKey[] {
  const t = now.getTime();
  return ring.keys.filter((k) => k.retiresAt === undefined || k.retiresAt.getTime() + tokenTtlSeconds * 1000 + RETIRED_SKEW_MS > t);
}

/** The ring with `next` added (activating at `next.activatesAt`) and every key without a retirement retired then. */
export function rotated(ring: KeyRing, next: SigningKey, now: Date): KeyRing {
  const keys = ring.keys.map((k) => (k.retiresAt === undefined || k.retiresAt > next.activatesAt ? { ...k, retiresAt: next.activatesAt } : k));
  return { version: ring.version + 1, keys: [...keys, next], updatedAt: now };
}

/** The ring without keys no longer published; `undefined` when nothing changes. */
export function pruned(ring: KeyRing, now: Date, tokenTtlSeconds: number): KeyRing | undefined {
  const keep = publishedAt(ring, now, tokenTtlSeconds);
  return keep.length === ring.keys.length ? undefined : { version: ring.version + 1, keys: keep, updatedAt: now };
}

/** Rotation by age: the signer has signed for `days` and no successor is waiting. 0 days: never. */
export function dueForRotation(ring: KeyRing, now: Date, days: number): boolean {
  if (days === 0) return false;
  const signer = signerAt(ring, now);
  const waiting = ring.keys.some((k) => k.activatesAt > now);
  return signer !== undefined && !waiting && now.getTime() - signer.activatesAt.getTime() >= days * 86_400_000;
}
