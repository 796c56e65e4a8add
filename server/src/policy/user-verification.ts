import type { UserVerificationRequirement } from '../storage/ports.js';

/**
 * Who decides user verification (DESIGN.md "Who decides"): keygate, from what the ceremony
 * is for. A request may ask for MORE than policy (`discouraged` < `preferred` < `required`),
 * never less. With USER_VERIFICATION=client (the FIDO2 conformance profile only) the request
 * chooses, as the profile's test tools expect.
 *
 * - passwordless sign-in: `required`: the key is the only proof, so it must prove two factors;
 * - a key after a password (second factor): `discouraged`: user presence is enough;
 * - the first key of a new passwordless account, or a key added to an account without a
 *   password: `required`: a key that cannot verify its user could never sign in there;
 * - a key added to an account with a password (or enrolled after a password sign-up):
 *   `preferred`: it may be a second factor only.
 */
export type UvPurpose = 'passwordless_sign_in' | 'second_factor' | 'passwordless_account_key' | 'password_account_key';

export interface UvDecision {
  /** What the options tell the browser. */
  send: UserVerificationRequirement;
  /** Whether the result is refused without the UV flag (`user_verification_missing`). */
  enforce: boolean;
}

const RANK: Record<UserVerificationRequirement, number> = { discouraged: 0, preferred: 1, required: 2 };
const POLICY: Record<UvPurpose, UserVerificationRequirement> = {
  passwordless_sign_in: 'required',
  second_factor: 'discouraged',
  passwordless_account_key: 'required',
  password_account_key: 'preferred',
};

export function decideUserVerification(purpose: UvPurpose, requested: UserVerificationRequirement | undefined, mode: 'policy' | 'client'): UvDecision {
  if (mode === 'client') return { send: requested ?? 'preferred', enforce: requested === 'required' };
  const floor = POLICY[purpose];
  const send = requested !== undefined && RANK[requested] > RANK[floor] ? requested : floor;
  return { send, enforce: send === 'required' };
}
