import type { CryptoKey } from 'jose';
import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import type { KeyRing, SigningKey, Store } from '../storage/ports.js';
import { dueForRotation, pruned, rotated, signerAt } from './key-ring.js';
import { newSigningKey, privateKeyOf } from './signing-key.js';

type RingDeps = Pick<Deps, 'store' | 'clock' | 'config' | 'logger'>;

/** How long an instance reuses the ring it read (rotations take TOKEN_KEY_LEAD_SECONDS, far longer). */
export const KEY_RING_CACHE_MS = 30_000;
const cache = new WeakMap<Store, { ring: KeyRing; readAt: number; privateKeys: Map<string, Promise<CryptoKey>> }>();

/**
 * The signing-key ring in the store, shared by every instance. The first call on an empty
 * store creates it with one key that signs at once (nothing was published before it);
 * instances racing to create it end with ONE ring: `create` lets one win, the others read
 * the winner's. Also applies the housekeeping every instance agrees on: rotation by age
 * (TOKEN_KEY_ROTATION_DAYS) and dropping keys whose tokens have all expired, each by
 * compare-and-set on the ring's version (a lost race just reads the winner's ring).
 */
export async function keyRing(deps: RingDeps): Promise<KeyRing> {
  const now = deps.clock.now();
  const hit = cache.get(deps.store);
  if (hit && now.getTime() - hit.readAt < KEY_RING_CACHE_MS && now.getTime() >= hit.readAt) return hit.ring;
  let ring = await deps.store.keyRing.get();
  if (!ring) {
    const first: KeyRing = { version: 1, keys: [await newSigningKey(deps.config.tokenSigningAlg, deps.config.dataKeys, now, now)], updatedAt: now };
    ring = (await deps.store.keyRing.create(first)) ? first : await deps.store.keyRing.get();
    if (ring === first) await recordEvent(deps, { type: 'signing_key.created', outcome: 'success', data: { kid: first.keys[0]!.kid, alg: first.keys[0]!.alg } });
  }
  ring = await housekeeping(deps, ring!, now);
  cache.set(deps.store, { ring, readAt: now.getTime(), privateKeys: hit?.privateKeys ?? new Map() });
  return ring;
}

async function housekeeping(deps: RingDeps, ring: KeyRing, now: Date): Promise<KeyRing> {
  if (dueForRotation(ring, now, deps.config.tokenKeyRotationDays)) return rotateKeys(deps, 'age');
  const smaller = pruned(ring, now, deps.config.tokenTtlSeconds);
  if (smaller && (await deps.store.keyRing.replace(smaller, ring.version))) return smaller;
  return smaller ? ((await deps.store.keyRing.get()) ?? ring) : ring;
}

/**
 * Rotates: a new key (TOKEN_SIGNING_ALG) is published now and signs after
 * TOKEN_KEY_LEAD_SECONDS, when the current signer retires (it stays published until its
 * tokens expire). Compare-and-set, retried on a lost race; used by `npm run rotate-keys`.
 */
export async function rotateKeys(deps: RingDeps, reason: 'on_demand' | 'age' = 'on_demand'): Promise<KeyRing> {
  for (let i = 0; i < 5; i++) {
    const now = deps.clock.now();
    const current = (await deps.store.keyRing.get()) ?? (await keyRing(deps));
    // Rotation by age: another instance may have rotated meanwhile (this loop's retry, or a
    // concurrent start); then the winner's ring is the answer, not another rotation.
    if (reason === 'age' && !dueForRotation(current, now, deps.config.tokenKeyRotationDays)) {
      cache.delete(deps.store);
      return current;
    }
    const next = await newSigningKey(deps.config.tokenSigningAlg, deps.config.dataKeys, now, new Date(now.getTime() + deps.config.tokenKeyLeadSeconds * 1000));
    const ring = rotated(current, next, now);
    if (await deps.store.keyRing.replace(ring, current.version)) {
      cache.delete(deps.store);
      await recordEvent(deps, { type: 'signing_key.rotated', outcome: 'success', data: { kid: next.kid, alg: next.alg, activatesAt: next.activatesAt.toISOString(), reason } });
      return ring;
    }
  }
  throw new Error('signing-key rotation lost the compare-and-set five times in a row');
}

/** The key that signs now, with its private half (imported once per instance and kid). */
export async function currentSigner(deps: RingDeps): Promise<{ key: SigningKey; privateKey: CryptoKey }> {
  const ring = await keyRing(deps);
  const key = signerAt(ring, deps.clock.now());
  if (!key) throw new Error('the signing-key ring has no key that signs now');
  const keys = cache.get(deps.store)?.privateKeys ?? new Map<string, Promise<CryptoKey>>();
  if (!keys.has(key.kid)) keys.set(key.kid, privateKeyOf(key, deps.config.dataKeys));
  return { key, privateKey: await keys.get(key.kid)! };
}
