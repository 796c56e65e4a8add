import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { NotFoundError, UnauthorizedError } from '../errors/keygate-error.js';
import { guardAttempt, refuseWhileLockedOut, settleOnce } from '../factors/lockout/attempt-guard.js';
import { OOB_CODE_MAX_CHECKS, OOB_CODE_TTL_MS, newOobCode, normalizeOobCode, oobCodeHash, oobMessageText, sameOobHash } from '../factors/oob/oob-code.js';
import { maskDestination } from '../factors/oob/oob-destination.js';
import { OOB_SEND_LIMITS, claimOobSend, deliverOobCode, requireOobChannel } from '../factors/oob/oob-sender.js';
import { randomId } from '../lib/random.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import { secondFactorRefusal } from '../policy/second-factor-policy.js';
import type { OobChannel, User } from '../storage/ports.js';
import type { SecondFactorResult } from './second-factor-login.js';
import { completeSignInAttempt, requireSignInAttempt } from './sign-in-attempt.js';

export interface OobSendResult {
  channel: OobChannel;
  /** The destination, masked (`+33•••••••78`). */
  to: string;
  expiresInSeconds: number;
  resendAfterSeconds: number;
}

/**
 * POST /login/oob/send `{ channel }`: sends a one-time code for the session's half sign-in.
 * Order: 1. a half sign-in at `second_factor` (`no_pending_sign_in`); 2. neither the
 * account nor the client IP is locked out (`locked_out`, 429 + Retry-After: the code could
 * not be entered anyway; nothing is sent or counted); 3. the channel is enabled and carried
 * (`oob_channel_disabled`); 4. the role counts it (`policy_violation`, rule secondFactors);
 * 5. a verified destination (`oob_not_enrolled`); 6. the send limits per user, destination
 * and IP (`code_send_limited`, 429 + Retry-After); 7. a new code (6 digits, CSPRNG) replaces
 * any earlier one of the session, stored only as its keyed hash bound to this attempt, for 5
 * minutes; 8. delivered (`delivery_failed`, 503: the code is withdrawn). The reply names the
 * destination masked.
 */
export async function sendSignInCode(deps: Deps, ctx: { sessionId: string | undefined; ip?: string }, channel: OobChannel): Promise<OobSendResult> {
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  await refuseWhileLockedOut(deps, { username: attempt.username, ip: ctx.ip });
  requireOobChannel(deps, channel);
  await requireCountedOob(deps, await userOf(deps, attempt.userId), channel, ctx.ip);
  const now = deps.clock.now();
  const destination = (await deps.store.oob.destinations(attempt.userId, now))?.[channel]?.active?.destination;
  if (!destination) throw new NotFoundError('oob_not_enrolled', `user ${attempt.userId} has no verified ${channel} destination`, { variant: 'signIn' });
  await claimOobSend(deps, { userId: attempt.userId, destination, ip: ctx.ip });
  const code = newOobCode(deps.random);
  const hash = oobCodeHash(deps.config.hmacSecret, { attemptId: attempt.attemptId }, channel, code);
  await deps.store.oob.putCode({ id: attempt.id, attemptId: attempt.attemptId, userId: attempt.userId, channel, hash, attempts: 0, sentAt: now, expiresAt: new Date(now.getTime() + OOB_CODE_TTL_MS) });
  try {
    await deliverOobCode(deps, { channel, to: destination, ...oobMessageText({ code, channel, rpName: deps.config.rpName, rpId: deps.config.rpId, purpose: 'sign_in' }), idempotencyKey: `oob-${randomId(deps.random, 16)}` });
  } catch (err) {
    await deps.store.oob.deleteCode(attempt.id, hash).catch(() => undefined);
    await recordEvent(deps, { type: 'oob_code.send_failed', outcome: 'failure', userId: attempt.userId, ip: ctx.ip, code: 'delivery_failed', data: { channel } });
    throw err;
  }
  await recordEvent(deps, { type: 'oob_code.sent', outcome: 'success', userId: attempt.userId, ip: ctx.ip, data: { channel } });
  return { channel, to: maskDestination(channel, destination), expiresInSeconds: OOB_CODE_TTL_MS / 1000, resendAfterSeconds: OOB_SEND_LIMITS.intervalMs / 1000 };
}

/**
 * POST /login/oob `{ code }`: completes a half sign-in with the code last sent for it.
 * Order: 1. a half sign-in at `second_factor` (`no_pending_sign_in`); 2. reserve an attempt
 * against the second-factor lockout (`locked_out`); 3. reserve one check of the session's
 * code for THIS attempt (`no_pending_code`: none sent, expired, of another attempt, or its
 * OOB_CODE_MAX_CHECKS used); 4. the channel is still enabled and counted; 5. the code's keyed
 * hash equals the stored one, compared in constant time (`invalid_code`, counted into the
 * lockout); 6. the code is taken atomically (single use: of concurrent correct submissions
 * one wins, the others get `no_pending_code`); 7. complete the sign-in: amr pwd + sms + mfa
 * (SMS) or pwd + otp + mfa (email), at acr `oob`.
 */
export async function loginWithOobCode(deps: Deps, ctx: { sessionId: string | undefined; ip?: string }, code: string): Promise<SecondFactorResult> {
  const attempt = await requireSignInAttempt(deps, ctx.sessionId, 'second_factor');
  const guard = await guardAttempt(deps, { username: attempt.username, userId: attempt.userId, ip: ctx.ip });
  try {
    return await settleOnce(guard, async (settle) => {
      const reserved = await deps.store.oob.reserveCodeCheck(attempt.id, attempt.attemptId, deps.clock.now(), OOB_CODE_MAX_CHECKS);
      if (!reserved) {
        await settle('cancelled');
        throw new UnauthorizedError('no_pending_code', `no unexpired code with checks left was sent for half sign-in ${attempt.attemptId}`);
      }
      const channel = reserved.channel;
      const user = await userOf(deps, attempt.userId);
      requireOobChannel(deps, channel);
      await requireCountedOob(deps, user, channel, ctx.ip);
      const normalized = normalizeOobCode(code);
      const hash = normalized === undefined ? undefined : oobCodeHash(deps.config.hmacSecret, { attemptId: attempt.attemptId }, channel, normalized);
      if (hash === undefined || !sameOobHash(hash, reserved.hash)) {
        await settle('failed');
        throw new UnauthorizedError('invalid_code', normalized === undefined ? 'not a code (6 digits)' : `not the code sent for this sign-in (check ${reserved.attempts} of ${OOB_CODE_MAX_CHECKS})`);
      }
      if (!(await deps.store.oob.takeCode(attempt.id, attempt.attemptId, hash, deps.clock.now()))) {
        await settle('cancelled');
        throw new UnauthorizedError('no_pending_code', 'the code was taken meanwhile (used by a concurrent request, or expired)');
      }
      const session = await completeSignInAttempt(deps, attempt, { kind: channel });
      await settle('signedIn');
      await recordEvent(deps, { type: 'authentication.succeeded', outcome: 'success', userId: attempt.userId, ip: ctx.ip, data: { amr: session.amr, channel } });
      return { user, session };
    });
  } catch (err) {
    if (err instanceof UnauthorizedError) {
      await recordEvent(deps, { type: 'oob_code.failed', outcome: 'failure', userId: attempt.userId, ip: ctx.ip, code: err.code });
    }
    throw err;
  }
}

/** 403 `policy_violation` (rule `secondFactors`) when the user's role does not count this channel; audited. */
export async function requireCountedOob(deps: Deps, user: User, channel: OobChannel, ip: string | undefined): Promise<void> {
  const policy = deps.policies.forRole(user.role);
  if (!secondFactorRefusal(policy, channel)) return;
  await recordEvent(deps, { type: 'oob_code.failed', outcome: 'failure', userId: user.id, ip, code: 'policy_violation', data: { rule: 'secondFactors', channel } });
  requireCountedSecondFactor(policy, channel);
}

async function userOf(deps: Deps, userId: string): Promise<User> {
  const user = await deps.store.users.findById(userId);
  if (!user) throw new NotFoundError('unknown_user', `user ${userId} was deleted during the sign-in`, { variant: 'deleted' });
  return user;
}
