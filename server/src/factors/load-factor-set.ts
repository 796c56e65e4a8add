import type { Deps } from '../deps.js';
import type { FactorSet } from '../policy/factor-rules.js';
import { usableCredential } from '../policy/credential-usability.js';
import type { StoredCredential } from '../storage/ports.js';

/**
 * Reads what the user has: password, keys, TOTP, recovery codes (four reads, no writes), as
 * the FactorSet the policies decide on, plus the credentials themselves. A key counts as
 * usable as policy/credential-usability.ts says.
 * `without` answers for the account as it would be after removing that key or TOTP.
 */
export async function loadFactorSet(
  deps: Pick<Deps, 'store'>,
  userId: string,
  without?: { credentialId?: string; totp?: boolean },
): Promise<{ factors: FactorSet; credentials: StoredCredential[] }> {
  const [credentials, password, totp, codes] = await Promise.all([
    deps.store.credentials.listByUser(userId),
    deps.store.passwords.get(userId),
    deps.store.totp.get(userId),
    deps.store.recoveryCodes.get(userId),
  ]);
  const keys = credentials.filter((c) => c.id !== without?.credentialId);
  const usable = keys.filter(usableCredential);
  const hasTotp = totp?.active !== undefined && !without?.totp;
  const recoveryCodes = codes?.hashes.length ?? 0;
  return {
    credentials,
    factors: {
      password: password !== undefined,
      usableKeys: usable.length,
      passwordlessKeys: usable.filter((c) => c.userVerified).length,
      totp: hasTotp,
      recoveryCodes,
      anySecondFactor: keys.length > 0 || hasTotp || recoveryCodes > 0,
    },
  };
}
