import { VerificationError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import type { Ceremony, CeremonyKind } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/**
 * Opens the session's pending ceremony with a fresh 32-byte challenge, valid for
 * CHALLENGE_TTL_SECONDS; it replaces any ceremony the session had pending. Returns the
 * challenge and the WebAuthn `timeout` (ms) to send with the options.
 */
export async function openCeremony(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config'>,
  fields: Omit<Ceremony, 'challenge' | 'createdAt' | 'expiresAt'>,
): Promise<{ challenge: string; timeout: number }> {
  const challenge = randomId(deps.random, 32);
  const now = deps.clock.now();
  const timeout = deps.config.challengeTtlSeconds * 1000;
  await deps.store.ceremonies.put({ ...fields, challenge, createdAt: now, expiresAt: new Date(now.getTime() + timeout) });
  return { challenge, timeout };
}

/**
 * Consumes the session's pending ceremony BEFORE any verification, on every path: whatever
 * happens next (success or any failure), its challenge cannot be used again.
 * `no_pending_ceremony`: none started, already used, or expired.
 * `ceremony_mismatch`: the pending one is of the other kind (it is consumed all the same).
 */
export async function takeCeremony(deps: Pick<Deps, 'store' | 'clock'>, sessionId: string | undefined, kind: CeremonyKind): Promise<Ceremony> {
  const ceremony = sessionId === undefined ? undefined : await deps.store.ceremonies.take(sessionId, deps.clock.now());
  if (!ceremony) {
    throw new VerificationError('no_pending_ceremony', 'This request expired or was already used. Please start again.', `no unexpired ${kind} ceremony for this session (none started, already consumed, or expired)`);
  }
  if (ceremony.kind !== kind) {
    throw new VerificationError('ceremony_mismatch', 'This response does not match the request in progress. Please start again.', `pending ceremony is ${ceremony.kind}, this endpoint finishes ${kind}`);
  }
  return ceremony;
}
