import type { Deps } from '../deps.js';
import { ConflictError } from '../errors/keygate-error.js';
import { loadFactorSet } from '../factors/load-factor-set.js';
import { removalLeavesAWayIn } from '../policy/factor-rules.js';

/**
 * 409 `last_factor` when removing `what` (a key, the TOTP app, an SMS or email destination) would leave the account
 * with no way to complete a sign-in (policy/factor-rules.ts: every factor counts). Call it
 * under the account lock.
 */
export async function refuseLastFactor(deps: Pick<Deps, 'store'> & Partial<Pick<Deps, 'policies' | 'config' | 'clock'>>, userId: string, what: { credentialId?: string; totp?: boolean; oob?: 'sms' | 'email' }): Promise<void> {
  const before = (await loadFactorSet(deps, userId)).factors;
  const after = (await loadFactorSet(deps, userId, what)).factors;
  if (!removalLeavesAWayIn(before, after)) {
    throw new ConflictError('last_factor', `removing ${what.credentialId ? `credential ${what.credentialId}` : what.oob ? `the ${what.oob} destination` : 'TOTP'} would leave no way to complete a sign-in`);
  }
}
