import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { ConflictError, ForbiddenError, KeygateError, NotFoundError, VerificationError } from '../errors/keygate-error.js';
import { parseInput } from '../lib/parse-input.js';
import { usableCredential } from '../policy/credential-usability.js';
import { evaluateAssertion } from '../policy/credential-policy.js';
import { requirePolicy } from '../policy/require-policy.js';
import type { ApprovalRequest, Session, User } from '../storage/ports.js';
import { decodeClientData } from './checks/decode-response.js';
import { observedStatus, requireApprovalEnabled } from './device-approval.js';
import { verifyAndRecordUse } from './finish-authentication.js';
import { openCeremony, takeCeremony } from './pending-ceremony.js';
import { authenticationResponse } from './response-schemas.js';

/** The approver's signed-in session and user (http/routes resolve them; 401 `not_signed_in` otherwise). */
export interface Approver {
  session: Session;
  user: User;
  ip?: string;
}

/**
 * The approving side of sign-in approval (issue 10 point 3): another of the user's signed-in
 * sessions sees the pending requests (never the number to pick), picks the number the new
 * device shows, and confirms with an assertion of its own key with UV. Requests of another
 * user read as absent (`approval_not_found`). The approver's own session is never rotated,
 * replaced or touched.
 */
export async function pendingApprovals(deps: Deps, approver: Approver): Promise<ApprovalRequest[]> {
  requireApprovalEnabled(deps);
  return deps.store.approvals.pendingFor(approver.user.id, deps.clock.now());
}

/** The approver's user's request `requestId`, still pending; 404 `approval_not_found`, 409 `approval_not_pending` (answered or expired). */
async function pendingRequest(deps: Deps, approver: Approver, requestId: string): Promise<ApprovalRequest> {
  const request = await deps.store.approvals.byRequestId(requestId, approver.user.id, deps.clock.now());
  if (!request) throw new NotFoundError('approval_not_found', `no request ${requestId} of user ${approver.user.id}`);
  const status = await observedStatus(deps, request);
  if (status !== 'pending') throw new ConflictError('approval_not_pending', `request ${requestId} is ${status}`);
  return request;
}

/**
 * POST /account/approvals/{id}/options `{ number }`. Order: 1. APPROVAL on; 2. the request
 * is the approver's user's and pending (`approval_not_found`, `approval_not_pending`);
 * 3. number matching: a number other than the one the requesting device shows DENIES the
 * request (compare-and-set from pending; audited `approval.wrong_number`) and answers 403
 * `wrong_approval_number`: a user who approves blindly (approval fatigue) ends the request
 * instead of letting it through; 4. the approver's usable keys (`no_credentials`); 5. request
 * options for them, UV required, in a ceremony bound to this request (`approvalId`), which
 * only /account/approvals/{id}/approve finishes.
 */
export async function startApproval(deps: Deps, approver: Approver, requestId: string, number: number): Promise<PublicKeyCredentialRequestOptionsJSON> {
  requireApprovalEnabled(deps);
  const request = await pendingRequest(deps, approver, requestId);
  if (number !== request.number) {
    const denied = await deps.store.approvals.decide(requestId, approver.user.id, deps.clock.now(), { status: 'denied', decidedBy: approver.session.id, reason: 'wrong_number' });
    if (!denied) throw new ConflictError('approval_not_pending', `request ${requestId} was answered meanwhile`);
    await recordEvent(deps, { type: 'approval.wrong_number', outcome: 'failure', userId: approver.user.id, ip: approver.ip, code: 'wrong_approval_number', data: { requestId } });
    throw new ForbiddenError('wrong_approval_number', `${number} is not the number shown on the requesting device; request ${requestId} denied`);
  }
  const allow = (await deps.store.credentials.listByUser(approver.user.id)).filter(usableCredential);
  if (allow.length === 0) throw new NotFoundError('no_credentials', `user ${approver.user.id} has no usable key to approve with`);
  const { challenge, timeout } = await openCeremony(deps, {
    id: approver.session.id,
    kind: 'authentication',
    userVerification: 'required',
    userId: approver.user.id,
    allowCredentialIds: allow.map((c) => c.id),
    approvalId: requestId,
  });
  return {
    challenge,
    timeout,
    rpId: deps.config.rpId,
    allowCredentials: allow.map((c) => ({ id: c.id, type: 'public-key', transports: c.transports as never })),
    userVerification: 'required',
    extensions: {},
  };
}

/**
 * POST /account/approvals/{id}/approve with the assertion. Order (as a sign-in assertion,
 * ceremonies/finish-authentication.ts): 1. consume the approver session's pending ceremony
 * first, on every path; it must be the one opened for THIS request (`ceremony_mismatch`);
 * 2. validate the body; 3. ownership (a key of the approver, offered: `unknown_credential`);
 * 4. the ordered checks and the signature, with UV required; 5. the credential may be used
 * (`credential_disabled`, `credential_possibly_cloned`), then the counter by compare-and-set
 * (`counter_conflict`); 6. the role policy (`policy_violation`); 7. the request becomes
 * approved by compare-and-set from pending (`approval_not_pending`: answered, expired, or
 * another approval won the race). No session is created, rotated or changed.
 */
export async function approveSignIn(deps: Deps, approver: Approver, requestId: string, body: unknown): Promise<void> {
  requireApprovalEnabled(deps);
  const ceremony = await takeCeremony(deps, approver.session.id, 'authentication', body, (b) => decodeClientData(parseInput(authenticationResponse, b).response.clientDataJSON));
  const userId = approver.user.id;
  try {
    if (ceremony.approvalId !== requestId) throw new VerificationError('ceremony_mismatch', ceremony.approvalId ? `that challenge was issued to approve request ${ceremony.approvalId}` : 'that challenge was not issued to approve a sign-in');
    const response = parseInput(authenticationResponse, body);
    const { user, credential, verified } = await verifyAndRecordUse(deps, { ip: approver.ip }, ceremony, response, () => undefined);
    const verdict = evaluateAssertion(deps.policies.forRole(user.role), credential, { userVerified: verified.userVerified }, deps.trust.metadataStatus(credential.aaguid, deps.clock.now()));
    if (!verdict.ok) requirePolicy(verdict, 'signIn');
    const approved = await deps.store.approvals.decide(requestId, userId, deps.clock.now(), { status: 'approved', decidedBy: approver.session.id });
    if (!approved) throw new ConflictError('approval_not_pending', `request ${requestId} was answered or expired meanwhile`);
    await recordEvent(deps, { type: 'approval.approved', outcome: 'success', userId, credentialId: credential.id, ip: approver.ip, data: { requestId } });
  } catch (err) {
    if (err instanceof KeygateError) await recordEvent(deps, { type: 'approval.failed', outcome: 'failure', userId, ip: approver.ip, code: err.code, data: { requestId, detail: err.detail } });
    throw err;
  }
}

/**
 * POST /account/approvals/{id}/deny `{ notMe? }`: denies the request (compare-and-set from
 * pending; `approval_not_found`, `approval_not_pending`), audited `approval.denied`. With
 * `notMe` ("this was not me") the requesting half sign-in is ended as well (taken only if it
 * is still that attempt) and `approval.reported` is audited: someone else knows the password.
 */
export async function denySignIn(deps: Deps, approver: Approver, requestId: string, notMe: boolean): Promise<{ ended: boolean }> {
  requireApprovalEnabled(deps);
  await pendingRequest(deps, approver, requestId);
  const now = deps.clock.now();
  const denied = await deps.store.approvals.decide(requestId, approver.user.id, now, { status: 'denied', decidedBy: approver.session.id, reason: notMe ? 'not_me' : 'denied' });
  if (!denied) throw new ConflictError('approval_not_pending', `request ${requestId} was answered meanwhile`);
  await recordEvent(deps, { type: 'approval.denied', outcome: 'success', userId: approver.user.id, ip: approver.ip, data: { requestId, notMe } });
  if (!notMe) return { ended: false };
  const ended = (await deps.store.signInAttempts.take(denied.id, denied.attemptId, now)) !== undefined;
  await recordEvent(deps, { type: 'approval.reported', outcome: 'failure', userId: approver.user.id, ip: approver.ip, data: { requestId, requesterIp: denied.ip, requesterUserAgent: denied.userAgent, attemptEnded: ended } });
  return { ended };
}
