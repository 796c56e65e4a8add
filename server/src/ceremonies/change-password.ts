import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { hashPassword } from '../factors/password/password-hasher.js';
import { checkNewPassword } from '../policy/password-rules.js';
import { requireStepUp } from '../policy/step-up.js';
import type { Session, User } from '../storage/ports.js';
import { requirePasswordLogin } from './password-login.js';

/**
 * PUT /account/password: sets or changes the password (PASSWORD_LOGIN must be on; step-up;
 * NIST rules in policy/password-rules.ts, `weak_password`). Every OTHER session of the user
 * ends, and every half sign-in opened with the old password: whoever knew it is out.
 */
export async function changePassword(deps: Deps, ctx: { session: Session; user: User; ip?: string }, newPassword: string): Promise<void> {
  requirePasswordLogin(deps);
  const { factors } = await loadFactorSet(deps, ctx.user.id);
  requireStepUp(ctx.session, factors, 'change_password', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
  const hash = await hashPassword(checkNewPassword(newPassword, ctx.user.username));
  await deps.store.passwords.set({ userId: ctx.user.id, hash, updatedAt: deps.clock.now() });
  const ended = await deps.store.sessions.deleteByUser(ctx.user.id, ctx.session.id);
  // Half sign-ins opened with the old password die too (they could still take a second factor).
  await deps.store.signInAttempts.deleteByUser(ctx.user.id);
  await recordEvent(deps, { type: factors.password ? 'password.changed' : 'password.set', outcome: 'success', userId: ctx.user.id, ip: ctx.ip, data: { otherSessionsEnded: ended } });
}
