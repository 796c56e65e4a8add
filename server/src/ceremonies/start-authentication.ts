import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { NotFoundError } from '../errors/keygate-error.js';
import { openCeremony } from './pending-ceremony.js';
import { decoyCredentials } from './decoy-credentials.js';
import { allowedExtensions } from '../policy/client-extensions.js';
import { usableCredential } from '../policy/credential-usability.js';
import { ceremonyRequirements } from '../policy/ceremony-requirements.js';
import { policyCeremonyFloor } from '../policy/credential-policy.js';
import { normalizeUsername } from '../policy/username.js';
import type { Ceremony, UserVerificationRequirement } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/** ServerPublicKeyCredentialGetOptionsRequest (FIDO2 server profile §7.4.1). */
export interface StartAuthenticationInput {
  /** Empty or absent: usernameless sign-in with a discoverable credential (or the half sign-in's user). */
  username?: string;
  /** May ask for more user verification than policy, never less (policy/ceremony-requirements.ts). */
  userVerification?: UserVerificationRequirement;
  extensions?: Record<string, unknown>;
}

/**
 * Starts an authentication (WebAuthn §7.2 steps 1-3 on the RP side). Three cases:
 * - the session holds a half sign-in (a correct password) and no other username is asked
 *   for: a SECOND factor for that user; user presence is enough (`discouraged` unless the
 *   request asks for more); `no_credentials` if the user has no usable key;
 * - a username: a passwordless sign-in, UV `required` by policy; allowCredentials lists
 *   the user's usable keys (policy/credential-usability.ts). With ENUMERATION_PROTECTION (the
 *   default) a username without an account or usable key gets deterministic decoys
 *   instead, after the same store reads, so the reply does not tell; otherwise
 *   `unknown_user` / `no_credentials` (404), as the FIDO2 conformance tools expect;
 * - no username: usernameless (discoverable credentials), UV `required`.
 * The pending ceremony remembers the user, the ids offered and the half sign-in it
 * completes, so finishing can insist on them; for a sign-in by username it also keeps the
 * user and the offered credentials as read here (`snapshot`), so that finishing needs no
 * read while they are unchanged. Store round trips: one read (user + credentials, joined),
 * one write (the ceremony).
 */
export async function startAuthentication(
  deps: Deps,
  ctx: { sessionId: string },
  input: StartAuthenticationInput,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const mode = deps.config.userVerification;
  const requested = input.username !== undefined && input.username.trim() !== '' ? normalizeUsername(input.username) : undefined;
  // Half sign-ins only exist with PASSWORD_LOGIN on: otherwise no store read is spent on them.
  const attempt = deps.config.passwordLogin ? await deps.store.signInAttempts.get(ctx.sessionId, deps.clock.now()) : undefined;
  let userId: string | undefined;
  let allow: { id: string; transports: string[] }[] = [];
  let signInAttemptId: string | undefined;
  let snapshot: Ceremony['snapshot'];
  let uv = ceremonyRequirements('passwordless_sign_in', input, mode).userVerification;

  if (attempt?.stage === 'second_factor' && (requested === undefined || requested === attempt.username)) {
    allow = (await deps.store.credentials.listByUser(attempt.userId)).filter(usableCredential);
    if (allow.length === 0) throw new NotFoundError('no_credentials', `user ${attempt.userId} has no usable credential`, { variant: 'useAnotherWay' });
    userId = attempt.userId;
    signInAttemptId = attempt.attemptId;
    uv = ceremonyRequirements('second_factor', input, mode).userVerification;
    // A role that requires UV on every assertion (admins) asks for it after a password too,
    // rather than refusing a touch-only assertion after the ceremony.
    if (policyCeremonyFloor(deps.policies.forRole((await deps.store.users.findById(attempt.userId))?.role)).userVerification === 'required') uv = { ...uv, send: 'required', enforce: true };
  } else if (requested !== undefined) {
    // One read for the user and their keys, the same one for a username without an account (equal timing).
    const found = await deps.store.users.findWithCredentials(requested);
    const user = found?.user;
    const usable = (found?.credentials ?? []).filter(usableCredential);
    allow = usable;
    if (!deps.config.enumerationProtection && !user) throw new NotFoundError('unknown_user', `username ${requested}`);
    if (!deps.config.enumerationProtection && allow.length === 0) throw new NotFoundError('no_credentials', `user ${user!.id} has no enabled credential`);
    if (allow.length === 0) allow = decoyCredentials(deps.config.hmacSecret, requested);
    userId = user?.id ?? `no-such-user:${requested}`;
    // What finishing needs, so that it reads nothing when nothing changed (finish-authentication.ts).
    if (user && usable.length > 0) snapshot = { user, credentials: usable.map(({ attestationObject: _bytes, ...c }) => c) };
  }
  const { challenge, timeout } = await openCeremony(deps, {
    id: ctx.sessionId,
    kind: 'authentication',
    userVerification: uv.send,
    userId,
    allowCredentialIds: userId === undefined ? undefined : allow.map((c) => c.id),
    signInAttemptId,
    ...(snapshot ? { snapshot } : {}),
  });
  return {
    challenge,
    timeout,
    rpId: deps.config.rpId,
    allowCredentials: allow.map((c) => ({ id: c.id, type: 'public-key', transports: c.transports as never })),
    userVerification: uv.send,
    extensions: allowedExtensions('authentication', input.extensions) as never,
  };
}
