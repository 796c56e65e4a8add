import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { parseInput } from '../lib/parse-input.js';
import { decodeClientData } from './checks/decode-response.js';
import { signIn } from '../sessions/session-service.js';
import type { Session, StoredCredential, User } from '../storage/ports.js';
import { authenticationResponse } from './response-schemas.js';
import { recordEvent } from '../audit/record-event.js';
import { ConflictError, ForbiddenError, KeygateError, VerificationError } from '../errors/keygate-error.js';
import type { Deps } from '../deps.js';
import { takeCeremony } from './pending-ceremony.js';
import { takeSignInAttempt } from './sign-in-attempt.js';
import type { ProvenFactor } from '../policy/sign-in-proof.js';
import { CounterRegressionError, SignedResponseError, verifyAuthentication, type VerifiedAuthentication } from './verify-authentication-response.js';

export interface FinishAuthenticationResult {
  user: User;
  credential: StoredCredential;
  verified: VerifiedAuthentication;
  /** The new session (fresh id: the one the ceremony ran under is dropped). */
  session: Session;
}

/**
 * Finishes an authentication (WebAuthn §7.2). Order:
 * 1. consume the pending ceremony (single use, on every path, even for a body that then
 *    fails validation); 2. validate the body;
 * 3. ownership, before anything about the credential is revealed: it exists, and
 *    (§7.2 step 5) it was offered in allowCredentials for the user the ceremony was started
 *    for, or (usernameless) (§7.2 step 6) the response names its owner's userHandle. One code
 *    for all of these, `unknown_credential` (`user_handle_missing` only says the response
 *    lacks a field), so a stranger learns nothing about another account's key;
 * 4. verify the response (ordered checks, then the signature);
 * 5. only once the signature verified, the credential's state: disabled
 *    (`credential_disabled`) or flagged as possibly cloned (`credential_possibly_cloned`),
 *    then BE and the counter: a regression flags the credential and records
 *    `credential.possibly_cloned`;
 * 6. advance the counter by compare-and-set; losing the race refuses the sign-in
 *    (`counter_conflict`): two assertions can never both pass with one counter value.
 * 7. a second factor (the ceremony was started for a half sign-in) completes that half
 *    sign-in, taken atomically (`no_pending_sign_in` if it is gone): amr pwd + key;
 *    otherwise a passwordless sign-in: amr from the key alone (UV makes it two factors);
 *    either way the user is signed in under a new session id (rotation, against session
 *    fixation) and the account's lockout counter is forgotten.
 * Failures are audited under the account the ceremony was started for (none for a
 * usernameless one) until the signature verified, then under the credential's owner.
 */
export async function finishAuthentication(
  deps: Deps,
  ctx: { sessionId: string | undefined; ip?: string },
  body: unknown,
): Promise<FinishAuthenticationResult> {
  const ceremony = await takeCeremony(deps, ctx.sessionId, 'authentication', body, (b) => decodeClientData(parseInput(authenticationResponse, b).response.clientDataJSON));
  let auditUserId = ceremony.userId;
  let response: AuthenticationResponseJSON | undefined;
  try {
    response = parseInput(authenticationResponse, body);
    const credential = await deps.store.credentials.findById(response.id);
    const user = credential && (await deps.store.users.findById(credential.userId));
    const userHandle = response.response.userHandle;
    if (ceremony.userId === undefined && !userHandle) {
      throw new VerificationError('user_handle_missing', 'usernameless sign-in needs response.userHandle');
    }
    const notOwned = !credential || !user
      ? `credential id ${response.id} is unknown`
      : ceremony.userId !== undefined && (credential.userId !== ceremony.userId || !ceremony.allowCredentialIds?.includes(credential.id))
        ? `credential ${credential.id} was not in allowCredentials for user ${ceremony.userId}`
        : userHandle && userHandle !== credential.userId
          ? `userHandle ${userHandle} is not the owner of credential ${credential.id}`
          : undefined;
    if (notOwned !== undefined || !credential || !user) {
      throw new VerificationError('unknown_credential', notOwned);
    }
    const verified = await verifySigned(deps, ctx, response, ceremony.challenge, ceremony.userVerification === 'required', credential, () => {
      auditUserId = credential.userId;
    });
    const won = await deps.store.credentials.recordUse(credential.id, credential.counter, {
      counter: verified.newCounter,
      lastUsedAt: deps.clock.now(),
      backedUp: verified.backedUp,
    });
    if (!won && !(await deps.store.credentials.findById(credential.id))) {
      throw new VerificationError('unknown_credential', `credential ${credential.id} was removed during the sign-in`);
    }
    if (!won) {
      throw new ConflictError('counter_conflict', `signature counter of ${credential.id} changed during verification`);
    }
    const factor: ProvenFactor = { kind: 'webauthn', userVerified: verified.userVerified, hardwareBound: false };
    const session = ceremony.signInAttemptId
      ? await signInWithAttempt(deps, ctx.sessionId, ceremony.signInAttemptId, factor, credential.id)
      : await signIn(deps, ctx.sessionId, { userId: user.id, credentialId: credential.id, factors: [factor] });
    // Lockouts only count password, TOTP and recovery-code attempts, which need PASSWORD_LOGIN.
    if (deps.config.passwordLogin) await deps.store.lockouts.reset(`user:${user.username}`);
    await recordEvent(deps, { type: 'authentication.succeeded', outcome: 'success', userId: user.id, credentialId: credential.id, ip: ctx.ip, data: { userVerified: verified.userVerified, amr: session.amr } });
    return { user, credential: { ...credential, counter: verified.newCounter }, verified, session };
  } catch (err) {
    if (err instanceof KeygateError) {
      await recordEvent(deps, { type: 'authentication.failed', outcome: 'failure', userId: auditUserId, credentialId: response?.id, ip: ctx.ip, code: err.code, data: { detail: err.detail } });
    }
    throw err;
  }
}

async function signInWithAttempt(deps: Deps, sessionId: string | undefined, attemptId: string, factor: ProvenFactor, credentialId: string): Promise<Session> {
  const attempt = await takeSignInAttempt(deps, sessionId, attemptId);
  return signIn(deps, sessionId, { userId: attempt.userId, credentialId, factors: [{ kind: 'password' }, factor] });
}

/**
 * Verifies the assertion; once its signature verified (`onSigned` is called), the
 * credential's state decides: disabled or flagged refuse it, a counter regression flags it.
 */
async function verifySigned(
  deps: Deps,
  ctx: { ip?: string },
  response: AuthenticationResponseJSON,
  challenge: string,
  requireUserVerification: boolean,
  credential: StoredCredential,
  onSigned: () => void,
): Promise<VerifiedAuthentication> {
  let verified: VerifiedAuthentication | undefined;
  let afterSignature: SignedResponseError | undefined;
  try {
    verified = await verifyAuthentication(response, {
      challenge,
      origins: deps.config.rpOrigins,
      rpId: deps.config.rpId,
      requireUserVerification,
      credential,
    });
  } catch (err) {
    if (!(err instanceof SignedResponseError)) throw err;
    afterSignature = err;
  }
  onSigned();
  if (credential.disabled) {
    throw new ForbiddenError('credential_disabled', `credential ${credential.id} is disabled`);
  }
  // Once flagged, a credential stays blocked: otherwise a clone would simply retry until its
  // own counter passed the stored one. Only removing the credential (or an administrator) clears it.
  if (credential.possiblyCloned) {
    throw new ForbiddenError('credential_possibly_cloned', `credential ${credential.id} is flagged possiblyCloned`);
  }
  if (afterSignature instanceof CounterRegressionError) {
    // §7.2 step 21: a valid signature with a counter that did not grow: possibly a cloned key.
    await deps.store.credentials.markPossiblyCloned(credential.id);
    // Whoever signed in with it before (the clone or the original) is signed out.
    await deps.store.sessions.deleteByCredential(credential.id);
    await recordEvent(deps, { type: 'credential.possibly_cloned', outcome: 'failure', userId: credential.userId, credentialId: credential.id, ip: ctx.ip, code: afterSignature.code, data: { received: afterSignature.received, stored: afterSignature.stored } });
  }
  if (afterSignature) throw afterSignature;
  return verified!;
}
