import { ForbiddenError } from '../errors/keygate-error.js';
import type { StoredCredential } from '../storage/ports.js';

/**
 * Whether a credential may be used now (DESIGN.md "Who decides"): the one rule every place
 * that offers, accepts, counts or keeps relying on a key asks (start-authentication's
 * allowCredentials, finish-authentication once the signature verified and when its
 * compare-and-set lost, the factor set that step-up and last-factor decide on, a session
 * tied to a key). In this order:
 * - disabled (by its owner or an administrator) → `credential_disabled`;
 * - flagged as possibly cloned (a counter regression, policy/clone-signal.ts) →
 *   `credential_possibly_cloned`. Once flagged, a credential stays refused: otherwise a clone
 *   would simply retry until its own counter passed the stored one. Only removing it (or an
 *   administrator) clears the flag.
 * Ownership and existence are not part of this rule: callers check those first, with their
 * own codes. The storage compare-and-set on use (`recordUse`) repeats this rule atomically.
 */
export type CredentialUsability =
  | { usable: true }
  | { usable: false; code: 'credential_disabled' | 'credential_possibly_cloned'; reason: string };

export function credentialUsability(c: Pick<StoredCredential, 'disabled' | 'possiblyCloned'>): CredentialUsability {
  if (c.disabled) return { usable: false, code: 'credential_disabled', reason: 'disabled' };
  if (c.possiblyCloned) return { usable: false, code: 'credential_possibly_cloned', reason: 'flagged possiblyCloned' };
  return { usable: true };
}

/** `credentialUsability(c).usable`, for filters. */
export const usableCredential = (c: Pick<StoredCredential, 'disabled' | 'possiblyCloned'>): boolean => credentialUsability(c).usable;

/**
 * 403 with the rule's code unless `c` may be used now. The developer detail says the
 * credential "is disabled", or, given `meanwhile` (e.g. "during the sign-in"), that it
 * "was disabled during the sign-in".
 */
export function requireUsableCredential(c: Pick<StoredCredential, 'id' | 'disabled' | 'possiblyCloned'>, meanwhile?: string): void {
  const verdict = credentialUsability(c);
  if (!verdict.usable) throw new ForbiddenError(verdict.code, meanwhile ? `credential ${c.id} was ${verdict.reason} ${meanwhile}` : `credential ${c.id} is ${verdict.reason}`);
}
