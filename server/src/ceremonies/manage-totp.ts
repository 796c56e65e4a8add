import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { BadRequestError, ConflictError, NotFoundError } from '../errors/keygate-error.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { matchTotpStep, newTotpSecret, otpauthUri, qrCodeDataUrl } from '../factors/totp/totp-code.js';
import { open, seal } from '../lib/data-cipher.js';
import { requireStepUp } from '../policy/step-up.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import type { Session } from '../storage/ports.js';
import type { AccountActor } from './account-actor.js';
import { withAccountLock } from './account-lock.js';
import { refuseLastFactor } from './refuse-last-factor.js';
import { completeSignInAttempt } from './sign-in-attempt.js';

/** How long an enrolment waits for its first code. */
const PENDING_TTL_MS = 10 * 60_000;
const aad = (userId: string) => `totp:${userId}`;

async function stepUp(deps: Deps, actor: AccountActor, action: 'add_factor' | 'remove_factor'): Promise<void> {
  if (actor.kind !== 'session') return;
  const { factors } = await loadFactorSet(deps, actor.user.id);
  requireStepUp(actor.session, factors, action, deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
}

/**
 * POST /account/totp: starts enrolling an authenticator app. A new 160-bit secret is sealed
 * (AES-256-GCM, DATA_KEYS) and kept as the pending enrolment (10 minutes; an active app
 * stays active until the new one is confirmed); the reply carries it as an otpauth:// URI
 * (issuer = RP_NAME, account = username), a QR code and the base32 text, once.
 */
export async function enrolTotp(deps: Deps, actor: AccountActor): Promise<{ otpauthUri: string; qrCode: string; secret: string }> {
  // A role that does not count TOTP (admins) cannot enrol it (403 policy_violation, secondFactors).
  requireCountedSecondFactor(deps.policies.forRole(actor.user.role), 'totp');
  await stepUp(deps, actor, 'add_factor');
  const secret = newTotpSecret(deps.random);
  const now = deps.clock.now();
  await deps.store.totp.setPending(actor.user.id, { sealedSecret: seal(deps.config.dataKeys, secret, aad(actor.user.id)), createdAt: now, expiresAt: new Date(now.getTime() + PENDING_TTL_MS) });
  const uri = otpauthUri(secret, deps.config.rpName, actor.user.username);
  return { otpauthUri: uri, qrCode: await qrCodeDataUrl(uri), secret };
}

/**
 * POST /account/totp/confirm: the first valid code activates the pending enrolment, and that
 * code's step counts as used. `no_pending_totp` (409) without an unexpired enrolment (or
 * when another confirmation won the race); `invalid_confirmation_code` (400) for a wrong code. Step-up
 * is checked again (the enrolment may outlive the window). A sign-up's enrolment session is
 * signed in by it (amr pwd + otp + mfa).
 */
export async function confirmTotp(deps: Deps, actor: AccountActor, code: string): Promise<{ session?: Session }> {
  const userId = actor.user.id;
  const now = deps.clock.now();
  const pending = (await deps.store.totp.get(userId))?.pending;
  if (!pending || pending.expiresAt.getTime() <= now.getTime()) {
    throw new ConflictError('no_pending_totp', 'no unexpired pending TOTP enrolment');
  }
  const step = matchTotpStep(open(deps.config.dataKeys, pending.sealedSecret, aad(userId)), code.trim(), now);
  if (step === undefined) throw new BadRequestError('invalid_confirmation_code', 'the code matches no time step within ±1 of now');
  await stepUp(deps, actor, 'add_factor');
  if (actor.kind === 'enrolment' && (await loadFactorSet(deps, userId)).factors.anySecondFactor) {
    throw new ConflictError('no_pending_totp', 'another session confirmed a first factor meanwhile', { variant: 'alreadyEnrolled' });
  }
  if (!(await deps.store.totp.confirm(userId, pending.sealedSecret, step, now))) {
    throw new ConflictError('no_pending_totp', 'the pending enrolment changed or expired meanwhile');
  }
  await recordEvent(deps, { type: 'totp.enrolled', outcome: 'success', userId });
  if (actor.kind === 'enrolment') return { session: await completeSignInAttempt(deps, actor.attempt, { kind: 'totp' }) };
  return {};
}

/**
 * DELETE /account/totp: removes the authenticator app (step-up; `totp_not_enrolled` 404
 * without one; `last_factor` 409 when it is the account's last way to complete a sign-in),
 * under the account lock so concurrent removals cannot take the last factors together.
 */
export async function removeTotp(deps: Deps, ctx: { session: Session; ip?: string }, userId: string): Promise<void> {
  await withAccountLock(deps, userId, async () => {
    const { factors } = await loadFactorSet(deps, userId);
    requireStepUp(ctx.session, factors, 'remove_factor', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
    if (!factors.totp) throw new NotFoundError('totp_not_enrolled', `user ${userId} has no active TOTP`);
    await refuseLastFactor(deps, userId, { totp: true });
    await deps.store.totp.remove(userId);
  });
  await recordEvent(deps, { type: 'totp.removed', outcome: 'success', userId, ip: ctx.ip });
}
