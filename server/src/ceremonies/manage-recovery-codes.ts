import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from '../factors/recovery-codes/recovery-codes.js';
import { requireStepUp } from '../policy/step-up.js';
import { requireCountedSecondFactor } from '../policy/require-policy.js';
import type { Session } from '../storage/ports.js';

/**
 * POST /account/recovery-codes: (re)generates the user's recovery codes (step-up). The new
 * set replaces the old one whole, in one write (every earlier code stops working); only
 * keyed hashes are stored, so the reply is the one time the codes are shown.
 */
export async function regenerateRecoveryCodes(deps: Deps, ctx: { session: Session; ip?: string }, userId: string): Promise<{ codes: string[] }> {
  // A role that does not count recovery codes (admins: an administrator's recovery link instead) cannot have them.
  requireCountedSecondFactor(deps.policies.forRole((await deps.store.users.findById(userId))?.role), 'recovery_code');
  const { factors } = await loadFactorSet(deps, userId);
  requireStepUp(ctx.session, factors, 'regenerate_recovery_codes', deps.clock.now(), deps.config.stepUpMaxAgeSeconds);
  const codes = newRecoveryCodes(deps.random);
  const hashes = codes.map((c) => recoveryCodeHash(deps.config.hmacSecret, userId, normalizeRecoveryCode(c)!));
  await deps.store.recoveryCodes.replace({ userId, hashes, generatedAt: deps.clock.now() });
  await recordEvent(deps, { type: 'recovery_codes.generated', outcome: 'success', userId, ip: ctx.ip, data: { count: codes.length } });
  return { codes };
}
