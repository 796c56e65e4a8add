import type { Deps } from '../deps.js';
import { ConflictError } from '../errors/keygate-error.js';

const LOCK_TTL_MS = 10_000;

/**
 * Runs `fn` under the account's lock in the store (`account:<userId>`), so that removals
 * (keys, TOTP) check "is this the last factor?" and delete without another removal in
 * between, on every instance. `account_busy` (409) while someone else holds it.
 */
export async function withAccountLock<T>(deps: Pick<Deps, 'store' | 'clock'>, userId: string, fn: () => Promise<T>): Promise<T> {
  const lock = `account:${userId}`;
  const token = await deps.store.locks.acquire(lock, LOCK_TTL_MS, deps.clock.now());
  if (token === undefined) {
    throw new ConflictError('account_busy', `lock ${lock} is held`);
  }
  try {
    return await fn();
  } finally {
    await deps.store.locks.release(lock, token);
  }
}
