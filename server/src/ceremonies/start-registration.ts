import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { ConflictError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import { openCeremony } from './pending-ceremony.js';
import { algorithmsFor } from '../policy/algorithms.js';
import { allowedExtensions } from '../policy/client-extensions.js';
import { normalizeDisplayName, normalizeUsername } from '../policy/username.js';
import { requireStepUp } from '../policy/step-up.js';
import { ceremonyRequirements } from '../policy/ceremony-requirements.js';
import { policyCeremonyFloor } from '../policy/credential-policy.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { stillEnrolling } from './sign-in-attempt.js';
import type { Session, UserVerificationRequirement } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/** ServerPublicKeyCredentialCreationOptionsRequest (FIDO2 server profile §7.3.1). */
export interface StartRegistrationInput {
  username: string;
  displayName?: string;
  authenticatorSelection?: {
    authenticatorAttachment?: 'platform' | 'cross-platform';
    residentKey?: 'discouraged' | 'preferred' | 'required';
    requireResidentKey?: boolean;
    userVerification?: UserVerificationRequirement;
  };
  attestation?: 'none' | 'indirect' | 'direct' | 'enterprise';
  extensions?: Record<string, unknown>;
}

/**
 * Starts a registration (WebAuthn §7.1 step 1-3 on the RP side): builds creation options
 * and stores the pending ceremony under the caller's session.
 *
 * A new username gets a fresh random user handle; the user is only created when the
 * ceremony succeeds. An existing username may only add a credential from a session signed
 * in as that user (otherwise anyone could add their key to someone else's account):
 * `username_taken`; that session must have stepped up (`step_up_required`,
 * policy/step-up.ts). The one other way: the half sign-in of a password sign-up (stage
 * `enrol`) enrols its account's first key.
 *
 * What the ceremony requires is policy's (policy/ceremony-requirements.ts): user
 * verification `required` for a key of an account without a password (it will sign in
 * alone), `preferred` for an account with one (the key may be a second factor); resident
 * key and attestation conveyance as the request asks, above policy's floor. The request
 * may ask for more, never less.
 */
export async function startRegistration(
  deps: Deps,
  ctx: { sessionId: string; session?: Session },
  input: StartRegistrationInput,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const username = normalizeUsername(input.username);
  const displayName = normalizeDisplayName(input.displayName, username);
  const existing = await deps.store.users.findByUsername(username);
  const attempt = existing && existing.id !== ctx.session?.userId ? await deps.store.signInAttempts.get(ctx.sessionId, deps.clock.now()) : undefined;
  const enrolling = attempt?.stage === 'enrol' && attempt.userId === existing?.id && (await stillEnrolling(deps, attempt));
  if (existing && existing.id !== ctx.session?.userId && !enrolling) {
    throw new ConflictError('username_taken', `username ${username} exists and this session is not signed in as it`, { variant: 'signInToAddKey' });
  }
  const factors = existing ? (await loadFactorSet(deps, existing.id)).factors : undefined;
  // Adding a key to an existing account is a sensitive change: it needs a fresh two-factor proof.
  if (existing && !enrolling) requireStepUp(ctx.session!, factors!, 'add_factor', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
  const userId = existing?.id ?? randomId(deps.random, 32);
  const existingCredentials = existing ? await deps.store.credentials.listByUser(existing.id) : [];

  return creationOptions(deps, {
    sessionId: ctx.sessionId,
    user: { id: userId, username, displayName: existing?.displayName ?? displayName, newUser: !existing, role: existing?.role },
    existingCredentials,
    purpose: factors?.password ? 'password_account_key' : 'passwordless_account_key',
    input,
    signInAttemptId: enrolling ? attempt!.attemptId : undefined,
  });
}

/**
 * Opens the registration ceremony and builds its creation options: what the ceremony
 * requires is policy's (policy/ceremony-requirements.ts), the request may ask for more.
 * Shared by a registration by username and one through a one-time link.
 */
export async function creationOptions(
  deps: Deps,
  c: {
    sessionId: string;
    user: { id: string; username: string; displayName: string; newUser: boolean; role?: string };
    existingCredentials: { id: string; transports: string[] }[];
    purpose: 'password_account_key' | 'passwordless_account_key';
    input: Pick<StartRegistrationInput, 'authenticatorSelection' | 'attestation' | 'extensions'>;
    signInAttemptId?: string;
    linkId?: string;
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const sel = c.input.authenticatorSelection ?? {};
  // The role policy's floor (policy/credential-policy.ts policyCeremonyFloor) joins the
  // request: UV required, direct attestation, one attachment, where the role needs them.
  const floor = policyCeremonyFloor(deps.policies.forRole(c.user.role));
  const asked = {
    ...sel,
    userVerification: floor.userVerification === 'required' ? 'required' as const : sel.userVerification,
    attestation: floor.attestation === 'direct' && (c.input.attestation === undefined || c.input.attestation === 'none' || c.input.attestation === 'indirect') ? 'direct' as const : c.input.attestation,
    authenticatorAttachment: floor.authenticatorAttachment ?? sel.authenticatorAttachment,
  };
  const required = ceremonyRequirements(c.purpose, asked, deps.config.userVerification);
  const userVerification = required.userVerification.send;
  const { challenge, timeout } = await openCeremony(deps, {
    id: c.sessionId,
    kind: 'registration',
    userVerification,
    userId: c.user.id,
    username: c.user.username,
    displayName: c.user.displayName,
    newUser: c.user.newUser,
    signInAttemptId: c.signInAttemptId,
    linkId: c.linkId,
  });

  return {
    rp: { name: deps.config.rpName, id: deps.config.rpId },
    user: { id: c.user.id, name: c.user.username, displayName: c.user.displayName },
    challenge,
    pubKeyCredParams: algorithmsFor(deps.config).map((alg) => ({ type: 'public-key', alg })),
    timeout,
    // §5.4.3 excludeCredentials: the authenticator refuses to create a second credential for this user.
    excludeCredentials: c.existingCredentials.map((k) => ({ id: k.id, type: 'public-key', transports: k.transports as never })),
    authenticatorSelection: {
      ...(required.authenticatorAttachment ? { authenticatorAttachment: required.authenticatorAttachment } : {}),
      residentKey: required.residentKey,
      requireResidentKey: required.requireResidentKey,
      userVerification,
    },
    attestation: required.attestation,
    // credProps tells whether the credential is discoverable (stored as `discoverable`).
    extensions: { ...allowedExtensions('registration', c.input.extensions), credProps: true } as never,
  };
}
