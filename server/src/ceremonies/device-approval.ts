import { retryAfterSeconds } from '../lib/clock.js';
import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { ConflictError, ForbiddenError, KeygateError, NotFoundError } from '../errors/keygate-error.js';
import { currentLogContext } from '../lib/logger.js';
import { randomId, type Random } from '../lib/random.js';
import { usableCredential } from '../policy/credential-usability.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import { secondFactorRefusal } from '../policy/second-factor-policy.js';
import type { ApprovalRequest, ApprovalStatus, User } from '../storage/ports.js';
import type { SecondFactorResult } from './second-factor-login.js';
import { notifyApprovalRequest } from './notify-approval.js';
import { completeSignInAttempt, requireSignInAttempt } from './sign-in-attempt.js';

/** How long approvers have to answer (issue 10: 2 minutes). */
export const APPROVAL_TTL_MS = 2 * 60_000;
/** How long the record outlives the deadline: the requester can still read the verdict and complete an approval given in time. */
export const APPROVAL_KEEP_MS = 3 * 60_000;
/**
 * Requests per user per minute (fixed window in the RateLimitStore, shared by instances):
 * against approval fatigue, a password holder cannot flood the user's devices with prompts.
 */
export const APPROVAL_REQUESTS_PER_MINUTE = 3;

/** 403 `approval_disabled` unless APPROVAL is on. */
export function requireApprovalEnabled(deps: Pick<Deps, 'config'>): void {
  if (!deps.config.approval) throw new ForbiddenError('approval_disabled', 'APPROVAL is false');
}

/** A uniform integer in [min, max] from the injected randomness (rejection sampling, no modulo bias). */
function randomInt(random: Random, min: number, max: number): number {
  const span = max - min + 1;
  const limit = 256 - (256 % span);
  for (;;) {
    const b = random.bytes(1)[0]!;
    if (b < limit) return min + (b % span);
  }
}

/** The number to show (10..99) and three distinct choices with it, shuffled (Fisher-Yates). */
export function approvalNumbers(random: Random): { number: number; choices: number[] } {
  const number = randomInt(random, 10, 99);
  const choices = [number];
  while (choices.length < 3) {
    const n = randomInt(random, 10, 99);
    if (!choices.includes(n)) choices.push(n);
  }
  for (let i = choices.length - 1; i > 0; i--) {
    const j = randomInt(random, 0, i);
    [choices[i], choices[j]] = [choices[j]!, choices[i]!];
  }
  return { number, choices };
}

/**
 * The request's status at `now`: a pending one past `decideBy` is expired; the first
 * observer marks it so (compare-and-set) and audits `approval.expired`, once.
 */
export async function observedStatus(deps: Deps, request: ApprovalRequest): Promise<ApprovalStatus> {
  const now = deps.clock.now();
  if (request.status !== 'pending' || request.decideBy.getTime() > now.getTime()) return request.status;
  if (await deps.store.approvals.markExpired(request.id, request.requestId, now)) {
    await recordEvent(deps, { type: 'approval.expired', outcome: 'failure', userId: request.userId, data: { requestId: request.requestId } });
  }
  return 'expired';
}

/**
 * POST /login/approval: asks the user's other signed-in sessions to approve this half
 * sign-in. Order: 1. APPROVAL on (`approval_disabled`); 2. a half sign-in at `second_factor`
 * (`no_pending_sign_in`); 3. the role counts `approval` (`policy_violation`, rule
 * secondFactors; admins never); 4. the user has a usable key to confirm an approval with
 * (`no_credentials`); 5. at most APPROVAL_REQUESTS_PER_MINUTE per user (`rate_limited`, 429
 * + Retry-After); 6. a new request (random id, a 2-digit number and three shuffled choices,
 * the requester's IP and browser, 2 minutes) replaces any earlier one of this session, bound
 * to this attempt; 7. where DELIVERY is configured, a message with a link also goes to the
 * user's verified email or phone (notify-approval.ts, best effort); audited
 * `approval.requested`. The reply carries the number to show.
 */
export async function requestApproval(deps: Deps, ctx: { sessionId: string | undefined; ip?: string; userAgent?: string }): Promise<{ requestId: string; number: number; expiresAt: Date }> {
  requireApprovalEnabled(deps);
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  const user = await userOf(deps, attempt.userId);
  await requireCountedApproval(deps, user, ctx.ip);
  if (!(await deps.store.credentials.listByUser(user.id)).some(usableCredential)) {
    throw new NotFoundError('no_credentials', `user ${user.id} has no usable key to approve a sign-in with`, { variant: 'useAnotherWay' });
  }
  const now = deps.clock.now();
  const { count, resetAt } = await deps.store.rateLimits.hit(`approval:user:${user.id}`, 60_000, now);
  if (count > APPROVAL_REQUESTS_PER_MINUTE) {
    const wait = retryAfterSeconds(resetAt, now);
    throw new KeygateError('rate_limited', `${count} approval requests for user ${user.id} this minute (limit ${APPROVAL_REQUESTS_PER_MINUTE})`, { headers: { 'Retry-After': String(wait) } });
  }
  const { number, choices } = approvalNumbers(deps.random);
  const userAgent = ctx.userAgent ?? currentLogContext()?.userAgent;
  const request: ApprovalRequest = {
    id: attempt.id,
    requestId: randomId(deps.random, 16),
    attemptId: attempt.attemptId,
    userId: user.id,
    number,
    choices,
    ...(ctx.ip !== undefined ? { ip: ctx.ip } : {}),
    ...(userAgent !== undefined ? { userAgent: userAgent.slice(0, 256) } : {}),
    status: 'pending',
    createdAt: now,
    decideBy: new Date(now.getTime() + APPROVAL_TTL_MS),
    expiresAt: new Date(now.getTime() + APPROVAL_TTL_MS + APPROVAL_KEEP_MS),
  };
  await deps.store.approvals.put(request);
  const notified = await notifyApprovalRequest(deps, request);
  await recordEvent(deps, { type: 'approval.requested', outcome: 'success', userId: user.id, ip: ctx.ip, data: { requestId: request.requestId, ...(notified ? { notified } : {}) } });
  return { requestId: request.requestId, number, expiresAt: request.decideBy };
}

/**
 * GET /login/approval: this half sign-in's request and its status (pending, approved,
 * denied, expired). `approval_not_found` (404) when this session's attempt asked for none
 * (or asked in an earlier attempt).
 */
export async function approvalStatus(deps: Deps, ctx: { sessionId: string | undefined }): Promise<{ requestId: string; number: number; status: ApprovalStatus; expiresAt: Date }> {
  requireApprovalEnabled(deps);
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  const request = await deps.store.approvals.forSession(attempt.id, deps.clock.now());
  if (!request || request.attemptId !== attempt.attemptId) throw new NotFoundError('approval_not_found', 'this half sign-in asked for no approval');
  return { requestId: request.requestId, number: request.number, status: await observedStatus(deps, request), expiresAt: request.decideBy };
}

/**
 * POST /login/approval/complete: completes this half sign-in with its approved request.
 * Order: 1. APPROVAL on; 2. a half sign-in (`no_pending_sign_in`); 3. the role still counts
 * approval; 4. the approved request of THIS session and attempt is taken atomically
 * (`approval_not_approved`, 409: still pending, denied, expired, already used, or of another
 * attempt; of concurrent completions one wins); 5. complete the sign-in (session rotated):
 * amr pwd + mca + mfa at acr `mfa` (policy/sign-in-proof.ts says why).
 */
export async function completeApprovedSignIn(deps: Deps, ctx: { sessionId: string | undefined; ip?: string }): Promise<SecondFactorResult> {
  requireApprovalEnabled(deps);
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  const user = await userOf(deps, attempt.userId);
  await requireCountedApproval(deps, user, ctx.ip);
  const taken = await deps.store.approvals.takeApproved(attempt.id, attempt.attemptId, deps.clock.now());
  if (!taken) {
    const request = await deps.store.approvals.forSession(attempt.id, deps.clock.now());
    const pending = request?.attemptId === attempt.attemptId && (await observedStatus(deps, request)) === 'pending';
    throw new ConflictError('approval_not_approved', request?.attemptId === attempt.attemptId ? `the request is ${request.status}` : 'no approved request for this half sign-in', { variant: pending ? 'pending' : 'refused' });
  }
  const session = await completeSignInAttempt(deps, attempt, { kind: 'approval' });
  await recordEvent(deps, { type: 'authentication.succeeded', outcome: 'success', userId: user.id, ip: ctx.ip, data: { amr: session.amr, method: 'approval', requestId: taken.requestId } });
  return { user, session };
}

/** 403 `policy_violation` (rule `secondFactors`) when the user's role does not count approval; audited. */
async function requireCountedApproval(deps: Deps, user: User, ip: string | undefined): Promise<void> {
  const policy = deps.policies.forRole(user.role);
  if (!secondFactorRefusal(policy, 'approval')) return;
  await recordEvent(deps, { type: 'approval.failed', outcome: 'failure', userId: user.id, ip, code: 'policy_violation', data: { rule: 'secondFactors' } });
  requireCountedSecondFactor(policy, 'approval');
}

async function userOf(deps: Deps, userId: string): Promise<User> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw new NotFoundError('unknown_user', `user ${userId} was deleted during the sign-in`, { variant: 'deleted' });
  return user;
}
