import { VerificationError } from '../errors/keygate-error.js';
import type { Ceremony, CeremonyKind } from '../storage/ports.js';
import type { Deps } from '../deps.js';

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
