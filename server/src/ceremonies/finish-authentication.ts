import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { parseInput } from '../lib/parse-input.js';
import { decodeClientData } from './checks/decode-response.js';
import { signIn } from '../sessions/session-service.js';
import type { Ceremony, Session, SnapshotCredential, StoredCredential, User } from '../storage/ports.js';
import { authenticationResponse } from './response-schemas.js';
import { recordEvent } from '../audit/record-event.js';
import { ConflictError, KeygateError, VerificationError } from '../errors/keygate-error.js';
import type { Deps } from '../deps.js';
import { takeCeremony } from './pending-ceremony.js';
import { takeSignInAttempt } from './sign-in-attempt.js';
import type { ProvenFactor } from '../policy/sign-in-proof.js';
import { reactToCloneSignal } from '../policy/clone-signal.js';
import { evaluateAssertion } from '../policy/credential-policy.js';
import { webauthnFactor } from '../policy/hardware-assurance.js';
import { requirePolicy } from '../policy/require-policy.js';
import { requireUsableCredential, usableCredential } from '../policy/credential-usability.js';
import { CounterRegressionError, SignedResponseError, verifyAuthentication, type VerifiedAuthentication } from './verify-authentication-response.js';

export interface FinishAuthenticationResult {
  user: User;
  credential: SnapshotCredential;
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
 * 5. only once the signature verified, whether the credential may be used now
 *    (policy/credential-usability.ts: `credential_disabled`, `credential_possibly_cloned`),
 *    then BE and the counter: a regression is a clone signal, and policy/clone-signal.ts
 *    says what to do (today: flag the credential, end its sessions, record
 *    `credential.possibly_cloned`, refuse with `counter_regression`), executed here;
 * 6. advance the counter by compare-and-set, which also requires the credential to still be
 *    that registration, enabled and not flagged; losing refuses the sign-in with what changed
 *    meanwhile (`unknown_credential`, `credential_disabled`, `credential_possibly_cloned`, or
 *    `counter_conflict`): two assertions can never both pass with one counter value.
 * 6b. the user's role policy (policy/credential-policy.ts evaluateAssertion): the stored
 *    credential still satisfies it and this assertion has UV where the role requires it,
 *    else 403 `policy_violation` (rule named); what the sign-in proves (hwk) follows from
 *    the credential's attestation verdict (policy/hardware-assurance.ts);
 * 7. a second factor (the ceremony was started for a half sign-in) completes that half
 *    sign-in, taken atomically (`no_pending_sign_in` if it is gone): amr pwd + key;
 *    otherwise a passwordless sign-in: amr from the key alone (UV makes it two factors);
 *    either way the user is signed in under a new session id (rotation, against session
 *    fixation) and the account's lockout counter is forgotten.
 * Failures are audited under the account the ceremony was started for (none for a
 * usernameless one) until the signature verified, then under the credential's owner.
 *
 * Store round trips: steps 3-6 first run on the ceremony's snapshot of the offered
 * credential (a sign-in by username), with no read; the compare-and-set of step 6 wins only
 * if the stored credential is still exactly that state, so a won sign-in is one a fresh
 * read would have passed. Anything else (no snapshot, a check failed, the CAS lost) runs
 * steps 3-6 again on one fresh read (credential + owner), which decides and audits (so a
 * refused assertion is verified twice: refusals are the rare path, and verification is
 * tens of µs). A sign-in by username is then: take the ceremony, CAS, rotate the session,
 * audit (4 round trips); usernameless, one read more.
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
    // An approver's assertion (ceremonies/approve-sign-in.ts) approves one request and signs nobody in.
    if (ceremony.approvalId !== undefined) throw new VerificationError('ceremony_mismatch', 'that challenge was issued to approve a sign-in (POST /account/approvals/{id}/approve), not to sign in');
    response = parseInput(authenticationResponse, body);
    const userHandle = response.response.userHandle;
    if (ceremony.userId === undefined && !userHandle) {
      throw new VerificationError('user_handle_missing', 'usernameless sign-in needs response.userHandle');
    }
    // No read when the ceremony's snapshot still holds (its compare-and-set won); otherwise
    // the checks below run on the stored credential as it is now, as if there were no snapshot.
    const used = (await fromSnapshot(deps, ceremony, response)) ?? (await verifyAndRecordUse(deps, ctx, ceremony, response, (userId) => {
      auditUserId = userId;
    }));
    const { user, credential, verified } = used;
    // The user's role policy, on every assertion: a credential that no longer satisfies it
    // (the policy, its model's MDS status or the user's role changed) is refused and
    // reported; re-evaluation (policy/reevaluate-credentials.ts) disables it everywhere.
    const policy = deps.policies.forRole(user.role);
    const verdict = evaluateAssertion(policy, credential, { userVerified: verified.userVerified }, deps.trust.metadataStatus(credential.aaguid, deps.clock.now()));
    if (!verdict.ok) {
      if (verdict.scope === 'credential') await recordEvent(deps, { type: 'credential.policy_refused', outcome: 'failure', userId: user.id, credentialId: credential.id, ip: ctx.ip, code: 'policy_violation', data: { rule: verdict.rule, detail: verdict.detail } });
      requirePolicy(verdict, 'signIn');
    }
    // hwk (and the hardware acr) only for trusted attestation, no backup eligibility, and UV.
    const factor: ProvenFactor = webauthnFactor(credential, verified, policy);
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

export interface UsedCredential {
  user: User;
  credential: SnapshotCredential;
  verified: VerifiedAuthentication;
}

/** Step 3 (§7.2 steps 5-6): the credential exists, belongs to the ceremony's user and was offered, or names its owner. */
function notOwnedBecause(ceremony: Ceremony, response: AuthenticationResponseJSON, credential: SnapshotCredential | undefined, user: User | undefined): string | undefined {
  const userHandle = response.response.userHandle;
  return !credential || !user
    ? `credential id ${response.id} is unknown`
    : ceremony.userId !== undefined && (credential.userId !== ceremony.userId || !ceremony.allowCredentialIds?.includes(credential.id))
      ? `credential ${credential.id} was not in allowCredentials for user ${ceremony.userId}`
      : userHandle && userHandle !== credential.userId
        ? `userHandle ${userHandle} is not the owner of credential ${credential.id}`
        : undefined;
}

/**
 * The fast path, with no store read: the credential as the ceremony's snapshot (taken when
 * it started) has it, if it was offered and everything verifies against it, and only if the
 * compare-and-set then wins, which it does only while the stored credential is still that
 * registration with that counter, enabled and not flagged: exactly the state a read now
 * would have found, so every check gives the verdict it would give on a fresh read. Any
 * other outcome is `undefined` (nothing written, nothing audited): the caller then runs the
 * checks on a fresh read, which decides and audits.
 */
async function fromSnapshot(deps: Deps, ceremony: Ceremony, response: AuthenticationResponseJSON): Promise<UsedCredential | undefined> {
  const user = ceremony.snapshot?.user;
  const credential = ceremony.snapshot?.credentials.find((c) => c.id === response.id);
  if (!user || !credential || !usableCredential(credential) || notOwnedBecause(ceremony, response, credential, user) !== undefined) return undefined;
  let verified: VerifiedAuthentication;
  try {
    verified = await verifyAuthentication(response, { challenge: ceremony.challenge, origins: deps.config.acceptedOrigins, rpId: deps.config.rpId, requireUserVerification: ceremony.userVerification === 'required', credential });
  } catch {
    return undefined;
  }
  const won = await deps.store.credentials.recordUse(credential.id, credential, { counter: verified.newCounter, lastUsedAt: deps.clock.now(), backedUp: verified.backedUp });
  return won ? { user, credential, verified } : undefined;
}

/**
 * Steps 3-6 on the credential as stored now (one read, with its owner): ownership, the
 * ordered checks and the signature, the credential's state, then the compare-and-set.
 * `onSigned` learns the owner once the signature verified (failures are audited under it).
 */
export async function verifyAndRecordUse(
  deps: Deps,
  ctx: { ip?: string },
  ceremony: Ceremony,
  response: AuthenticationResponseJSON,
  onSigned: (userId: string) => void,
): Promise<UsedCredential> {
  const found = await deps.store.credentials.findWithOwner(response.id);
  const credential = found?.credential;
  const user = found?.owner;
  const notOwned = notOwnedBecause(ceremony, response, credential, user);
  if (notOwned !== undefined || !credential || !user) {
    throw new VerificationError('unknown_credential', notOwned);
  }
  const verified = await verifySigned(deps, ctx, response, ceremony.challenge, ceremony.userVerification === 'required', credential, () => onSigned(credential.userId));
  const won = await deps.store.credentials.recordUse(credential.id, credential, {
    counter: verified.newCounter,
    lastUsedAt: deps.clock.now(),
    backedUp: verified.backedUp,
  });
  if (!won) {
    // Lost: say what changed during the verification.
    const now = await deps.store.credentials.findById(credential.id);
    if (!now || now.userId !== credential.userId || now.createdAt.getTime() !== credential.createdAt.getTime()) {
      throw new VerificationError('unknown_credential', `credential ${credential.id} was removed during the sign-in`);
    }
    requireUsableCredential(now, 'during the sign-in');
    throw new ConflictError('counter_conflict', `signature counter of ${credential.id} changed during verification`);
  }
  return { user, credential, verified };
}

async function signInWithAttempt(deps: Deps, sessionId: string | undefined, attemptId: string, factor: ProvenFactor, credentialId: string): Promise<Session> {
  const attempt = await takeSignInAttempt(deps, sessionId, attemptId);
  return signIn(deps, sessionId, { userId: attempt.userId, credentialId, factors: [{ kind: 'password' }, factor] });
}

/**
 * Verifies the assertion; once its signature verified (`onSigned` is called), the
 * credential's state decides (policy/credential-usability.ts), then a counter regression is
 * reacted to as policy/clone-signal.ts decides.
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
      origins: deps.config.acceptedOrigins,
      rpId: deps.config.rpId,
      requireUserVerification,
      credential,
    });
  } catch (err) {
    if (!(err instanceof SignedResponseError)) throw err;
    afterSignature = err;
  }
  onSigned();
  requireUsableCredential(credential);
  if (afterSignature instanceof CounterRegressionError) {
    // §7.2 step 21: a valid signature with a counter that did not grow: possibly a cloned key.
    const reaction = reactToCloneSignal({ stored: afterSignature.stored, received: afterSignature.received });
    if (reaction?.flag) await deps.store.credentials.markPossiblyCloned(credential.id);
    if (reaction?.endSessions) await deps.store.sessions.deleteByCredential(credential.id);
    if (reaction?.audit) await recordEvent(deps, { ...reaction.audit, userId: credential.userId, credentialId: credential.id, ip: ctx.ip });
  }
  // A clone signal is always refused (CloneReaction.refuse), with the error's own code.
  if (afterSignature) throw afterSignature;
  return verified!;
}
