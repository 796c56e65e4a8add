import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors/keygate-error.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { OOB_CODE_MAX_CHECKS, OOB_CODE_TTL_MS, newOobCode, normalizeOobCode, oobCodeHash, oobMessageText, sameOobHash } from '../factors/oob/oob-code.js';
import { maskDestination, normalizeDestination } from '../factors/oob/oob-destination.js';
import { claimOobSend, deliverOobCode, requireOobChannel } from '../factors/oob/oob-sender.js';
import { randomId } from '../lib/random.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import { requireStepUp } from '../policy/step-up.js';
import type { OobChannel, Session } from '../storage/ports.js';
import type { AccountActor } from './account-actor.js';
import { withAccountLock } from './account-lock.js';
import { refuseLastFactor } from './refuse-last-factor.js';
import { completeSignInAttempt } from './sign-in-attempt.js';

async function stepUp(deps: Deps, actor: AccountActor, action: 'add_factor' | 'remove_factor'): Promise<void> {
  if (actor.kind !== 'session') return;
  const { factors } = await loadFactorSet(deps, actor.user.id);
  requireStepUp(actor.session, factors, action, deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
}

/**
 * POST /account/oob `{ channel, destination }`: starts verifying a phone number (`sms`) or an
 * email address (`email`) for sign-in codes. Order: the channel is enabled
 * (`oob_channel_disabled`) and counted by the role (`policy_violation`, rule secondFactors);
 * step-up (or a sign-up's enrolment session); the destination is valid (`invalid_destination`:
 * phones through libphonenumber-js to E.164, mobile numbers only; emails by zod); the send
 * limits (`code_send_limited`); a first code, kept as the channel's pending enrolment (its
 * keyed hash bound to the user, channel and destination, 5 minutes; a verified destination
 * stays until the new one is confirmed), is delivered (`delivery_failed`).
 */
export async function enrolOob(deps: Deps, actor: AccountActor, input: { channel: OobChannel; destination: string }, ip?: string): Promise<{ channel: OobChannel; destination: string; to: string; expiresInSeconds: number }> {
  const { channel } = input;
  requireOobChannel(deps, channel);
  requireCountedSecondFactor(deps.policies.forRole(actor.user.role), channel);
  await stepUp(deps, actor, 'add_factor');
  const normalized = normalizeDestination(channel, input.destination);
  if (!normalized.ok) throw new BadRequestError('invalid_destination', `destination ${normalized.problem}`, { variant: channel });
  const { destination } = normalized;
  const userId = actor.user.id;
  await claimOobSend(deps, { userId, destination, ip });
  const now = deps.clock.now();
  const code = newOobCode(deps.random);
  const hash = oobCodeHash(deps.config.hmacSecret, { userId, destination }, channel, code);
  await deps.store.oob.setPending(userId, channel, { destination, hash, attempts: 0, sentAt: now, expiresAt: new Date(now.getTime() + OOB_CODE_TTL_MS) });
  try {
    await deliverOobCode(deps, { channel, to: destination, ...oobMessageText({ code, channel, rpName: deps.config.rpName, rpId: deps.config.rpId, purpose: 'enrol' }), idempotencyKey: `oob-${randomId(deps.random, 16)}` });
  } catch (err) {
    await recordEvent(deps, { type: 'oob_code.send_failed', outcome: 'failure', userId, ip, code: 'delivery_failed', data: { channel, enrolment: true } });
    throw err;
  }
  await recordEvent(deps, { type: 'oob_code.sent', outcome: 'success', userId, ip, data: { channel, enrolment: true } });
  return { channel, destination, to: maskDestination(channel, destination), expiresInSeconds: OOB_CODE_TTL_MS / 1000 };
}

/**
 * POST /account/oob/confirm `{ channel, code }`: the first code verifies the pending
 * destination. `no_pending_oob` (409) without an unexpired pending enrolment with checks left
 * (OOB_CODE_MAX_CHECKS), or when another confirmation won the race;
 * `invalid_confirmation_code` (400) for a wrong code. Step-up is checked again. A sign-up's
 * enrolment session is signed in by it (amr pwd + sms|otp + mfa, acr oob).
 */
export async function confirmOob(deps: Deps, actor: AccountActor, input: { channel: OobChannel; code: string }, ip?: string): Promise<{ session?: Session }> {
  const { channel } = input;
  const userId = actor.user.id;
  requireOobChannel(deps, channel);
  const pending = await deps.store.oob.reservePendingCheck(userId, channel, deps.clock.now(), OOB_CODE_MAX_CHECKS);
  if (!pending) throw new ConflictError('no_pending_oob', `no unexpired pending ${channel} enrolment with checks left`);
  const normalized = normalizeOobCode(input.code);
  const hash = normalized === undefined ? undefined : oobCodeHash(deps.config.hmacSecret, { userId, destination: pending.destination }, channel, normalized);
  if (hash === undefined || !sameOobHash(hash, pending.hash)) {
    throw new BadRequestError('invalid_confirmation_code', `not the code sent (check ${pending.attempts} of ${OOB_CODE_MAX_CHECKS})`, { variant: 'oob' });
  }
  await stepUp(deps, actor, 'add_factor');
  if (actor.kind === 'enrolment' && (await loadFactorSet(deps, userId)).factors.anySecondFactor) {
    throw new ConflictError('no_pending_oob', 'another session confirmed a first factor meanwhile', { variant: 'alreadyEnrolled' });
  }
  if (!(await deps.store.oob.confirm(userId, channel, { hash, destination: pending.destination }, deps.clock.now()))) {
    throw new ConflictError('no_pending_oob', 'the pending enrolment changed or expired meanwhile');
  }
  await recordEvent(deps, { type: 'oob.enrolled', outcome: 'success', userId, ip, data: { channel } });
  if (actor.kind === 'enrolment') return { session: await completeSignInAttempt(deps, actor.attempt, { kind: channel }) };
  return {};
}

/**
 * DELETE /account/oob/{channel}: removes the verified destination (step-up; `oob_not_enrolled`
 * 404 without one; `last_factor` 409 when it is the account's last way to complete a
 * sign-in), under the account lock.
 */
export async function removeOob(deps: Deps, ctx: { session: Session; ip?: string }, userId: string, channel: OobChannel): Promise<void> {
  await withAccountLock(deps, userId, async () => {
    const { factors, destinations } = await loadFactorSet(deps, userId);
    requireStepUp(ctx.session, factors, 'remove_factor', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
    if (!destinations?.[channel]?.active) throw new NotFoundError('oob_not_enrolled', `user ${userId} has no verified ${channel} destination`);
    await refuseLastFactor(deps, userId, { oob: channel });
    await deps.store.oob.remove(userId, channel);
  });
  await recordEvent(deps, { type: 'oob.removed', outcome: 'success', userId, ip: ctx.ip, data: { channel } });
}
