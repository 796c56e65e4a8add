import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { parseInput } from '../lib/parse-input.js';
import { decodeClientData } from './checks/decode-response.js';
import { requireStepUp } from '../policy/step-up.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { stillEnrolling, takeSignInAttempt } from './sign-in-attempt.js';
import { signIn } from '../sessions/session-service.js';
import type { Session, StoredCredential } from '../storage/ports.js';
import { registrationResponse } from './response-schemas.js';
import { recordEvent } from '../audit/record-event.js';
import { ConflictError, KeygateError, NotFoundError, UnauthorizedError } from '../errors/keygate-error.js';
import { algorithmsFor } from '../policy/algorithms.js';
import { credentialKind, credentialKindLabel } from '../display/credential-kind.js';
import type { Deps } from '../deps.js';
import { takeCeremony } from './pending-ceremony.js';
import { takeLink } from '../admin/one-time-links.js';
import { evaluateCredential } from '../policy/credential-policy.js';
import { requirePolicy } from '../policy/require-policy.js';
import { webauthnFactor } from '../policy/hardware-assurance.js';
import { verifyRegistration, type VerifiedRegistration } from './verify-registration-response.js';

const TRANSPORTS = new Set(['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal', 'cable']);

export interface FinishRegistrationResult {
  userId: string;
  newUser: boolean;
  credential: StoredCredential;
  verified: VerifiedRegistration;
  /** A new user, or a sign-up's enrolment, is signed in (under a new session id); adding a key keeps the session. */
  session?: Session;
}

/**
 * Finishes a registration (WebAuthn §7.1). Order:
 * 1. consume the pending ceremony (single use, on every path, even for a body that then
 *    fails validation);
 * 2. validate the body (`invalid_request`, `invalid_base64url`);
 * 3. verify the response (ordered checks in verifyRegistration);
 * 4. refuse a credential id already registered to anyone (`credential_exists`); for an
 *    existing user, the session must still be signed in as them (`not_signed_in`), with a
 *    fresh two-factor proof (`step_up_required`); a sign-up's enrolment instead takes its
 *    half sign-in, atomically (`no_pending_sign_in` if it is gone);
 * 5. insert the credential (its unique id settles races), then, for a new user, the user
 *    (`username_taken` if someone else got there first, and the credential is removed
 *    again). Inserting the credential first means a crash in between leaves only an
 *    orphan credential that can never sign in, never a username with no way to sign in;
 * 6. a new user, or the enrolling one, is signed in (fresh session id): amr from the key
 *    (with UV: two factors), or password + key for an enrolment.
 * A registration through a one-time link (ceremony.linkId) needs no session: the link is
 * taken (`link_not_found` if it was used, replaced or expired meanwhile) just before the key
 * is stored, a recovery link ends every other session of the user, and the user is signed in
 * with the new key.
 */
export async function finishRegistration(
  deps: Deps,
  ctx: { sessionId: string | undefined; session?: Session; ip?: string },
  body: unknown,
): Promise<FinishRegistrationResult> {
  const ceremony = await takeCeremony(deps, ctx.sessionId, 'registration', body, (b) => decodeClientData(parseInput(registrationResponse, b).response.clientDataJSON));
  const userId = ceremony.userId!;
  try {
    const response: RegistrationResponseJSON = parseInput(registrationResponse, body);
    const verified = await verifyRegistration(response, {
      challenge: ceremony.challenge,
      origins: deps.config.acceptedOrigins,
      rpId: deps.config.rpId,
      requireUserVerification: ceremony.userVerification === 'required',
      supportedAlgorithms: algorithmsFor(deps.config),
    });
    // §7.1 step 22: the credential id must not be registered yet, for any user.
    if (await deps.store.credentials.findById(verified.credentialId)) {
      throw new ConflictError('credential_exists', `credential id ${verified.credentialId} exists`);
    }
    if (!ceremony.newUser && !ceremony.signInAttemptId && !ceremony.linkId) {
      // Adding a key to an existing account needs the session to still be signed in as it,
      // with a fresh proof (checked again here: the challenge may outlive the step-up window).
      if (ctx.session?.userId !== userId) {
        throw new UnauthorizedError('not_signed_in', `session is no longer signed in as ${userId}`, { variant: 'toAddKey' });
      }
      requireStepUp(ctx.session, (await loadFactorSet(deps, userId)).factors, 'add_factor', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
    }
    const enrolment = ceremony.signInAttemptId ? await takeSignInAttempt(deps, ctx.sessionId, ceremony.signInAttemptId) : undefined;
    if (enrolment && !(await stillEnrolling(deps, enrolment))) {
      throw new UnauthorizedError('no_pending_sign_in', `user ${userId} got a second factor while this enrolment was open`, { variant: 'alreadyEnrolled' });
    }
    const owner = ceremony.newUser ? undefined : await deps.store.users.findById(userId);
    if (!ceremony.newUser && !owner) {
      throw new NotFoundError('unknown_user', `user ${userId} was deleted during the ceremony`, { variant: 'deleted' });
    }
    // keygate's own trust verdict, then the role policy (a new account's role is `user`):
    // a refused key is never stored (403 policy_violation naming the rule).
    const now = deps.clock.now();
    const attestation = deps.trust.evaluate({ fmt: verified.fmt, attStmt: verified.attStmt, aaguid: verified.aaguid, now });
    const policy = deps.policies.forRole(owner?.role);
    const attachment = response.authenticatorAttachment === 'platform' || response.authenticatorAttachment === 'cross-platform' ? response.authenticatorAttachment : undefined;
    requirePolicy(evaluateCredential(policy, { ...verified, transports: knownTransports(response), attestation, attachment }, deps.trust.metadataStatus(verified.aaguid, now)), 'registration');
    // A one-time link registers one key: taken (once, atomically) before the key is stored.
    const link = ceremony.linkId ? await takeLink(deps, ceremony.linkId, userId) : undefined;
    const credential = { ...toStoredCredential(deps, userId, response, verified), attestation, ...(attachment ? { attachment } : {}) };
    await deps.store.credentials.insert(credential);
    if (link?.purpose === 'recovery') {
      // Support-assisted recovery: whoever else holds a session of this account is signed out.
      const ended = await deps.store.sessions.deleteByUser(userId);
      await deps.store.signInAttempts.deleteByUser(userId);
      await recordEvent(deps, { type: 'link.recovery_used', outcome: 'success', userId, credentialId: credential.id, ip: ctx.ip, data: { sessionsEnded: ended } });
    } else if (link) {
      await recordEvent(deps, { type: 'link.used', outcome: 'success', userId, credentialId: credential.id, ip: ctx.ip, data: { purpose: link.purpose } });
    }
    if (ceremony.newUser) {
      try {
        await deps.store.users.insert({ id: userId, username: ceremony.username!, displayName: ceremony.displayName!, createdAt: deps.clock.now() });
      } catch (err) {
        await deps.store.credentials.delete(credential.id, userId);
        throw err;
      }
    }
    await recordEvent(deps, { type: 'registration.succeeded', outcome: 'success', userId, credentialId: credential.id, ip: ctx.ip, data: { fmt: credential.fmt, aaguid: credential.aaguid } });
    const key = webauthnFactor(credential, verified, policy);
    const factors = enrolment ? [{ kind: 'password' } as const, key] : [key];
    const session = ceremony.newUser || enrolment || link ? await signIn(deps, ctx.sessionId, { userId, credentialId: credential.id, factors }) : undefined;
    return { userId, newUser: ceremony.newUser === true, credential, verified, session };
  } catch (err) {
    if (err instanceof KeygateError) {
      await recordEvent(deps, { type: 'registration.failed', outcome: 'failure', userId, ip: ctx.ip, code: err.code, data: { detail: err.detail } });
    }
    throw err;
  }
}

function knownTransports(response: RegistrationResponseJSON): string[] {
  return (response.response.transports ?? []).filter((t) => TRANSPORTS.has(t));
}

function toStoredCredential(deps: Deps, userId: string, response: RegistrationResponseJSON, v: VerifiedRegistration): StoredCredential {
  const transports = knownTransports(response);
  const rk = (response.clientExtensionResults as { credProps?: { rk?: unknown } } | undefined)?.credProps?.rk;
  const discoverable = typeof rk === 'boolean' ? rk : undefined;
  const now = deps.clock.now();
  const kind = credentialKind({ backupEligible: v.backupEligible, discoverable, transports });
  return {
    id: v.credentialId,
    userId,
    publicKey: v.publicKey,
    alg: v.alg,
    counter: v.counter,
    transports,
    aaguid: v.aaguid,
    fmt: v.fmt,
    attestationObject: v.attestationObject,
    backupEligible: v.backupEligible,
    backedUp: v.backedUp,
    userVerified: v.userVerified,
    discoverable,
    name: `${credentialKindLabel(kind)} added ${now.toISOString().slice(0, 10)}`,
    createdAt: now,
    possiblyCloned: false,
    disabled: false,
  };
}
