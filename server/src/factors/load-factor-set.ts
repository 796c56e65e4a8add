import type { Deps } from '../deps.js';
import type { FactorSet } from '../policy/factor-rules.js';
import { usableCredential } from '../policy/credential-usability.js';
import { countsSecondFactor, mayUseSecondFactor } from '../policy/second-factor-policy.js';
import type { OobChannel, OobDestinations, StoredCredential } from '../storage/ports.js';

/**
 * Reads what the user has: password, keys, TOTP, recovery codes, SMS/email destinations
 * (parallel reads, no writes), as the FactorSet the policies decide on, plus the credentials
 * and the destinations themselves. A key counts as usable as policy/credential-usability.ts
 * says; an SMS or email destination once verified, where OOB_CHANNELS (`deps.config`; absent:
 * off) enables its channel and the role counts it.
 * `without` answers for the account as it would be after removing that key, TOTP or channel.
 */
export async function loadFactorSet(
  deps: Pick<Deps, 'store'> & Partial<Pick<Deps, 'policies' | 'config' | 'clock'>>,
  userId: string,
  without?: { credentialId?: string; totp?: boolean; oob?: OobChannel },
): Promise<{ factors: FactorSet; credentials: StoredCredential[]; destinations: OobDestinations | undefined }> {
  const now = deps.clock?.now() ?? new Date();
  const [credentials, password, totp, codes, user, destinations] = await Promise.all([
    deps.store.credentials.listByUser(userId),
    deps.store.passwords.get(userId),
    deps.store.totp.get(userId),
    deps.store.recoveryCodes.get(userId),
    deps.policies ? deps.store.users.findById(userId) : undefined,
    deps.store.oob.destinations(userId, now),
  ]);
  // Only what the user's role counts is a way in (policy/second-factor-policy.ts): an
  // admin's TOTP or recovery codes never complete a sign-in, so they are not factors here
  // (an admin cannot remove their last key because TOTP "remains").
  const policy = deps.policies?.forRole(user?.role);
  const keys = credentials.filter((c) => c.id !== without?.credentialId);
  const usable = keys.filter(usableCredential);
  const hasTotp = totp?.active !== undefined && !without?.totp;
  const totpCounts = hasTotp && (!policy || mayUseSecondFactor(policy, 'totp'));
  const recoveryCodes = !policy || mayUseSecondFactor(policy, 'recovery_code') ? (codes?.hashes.length ?? 0) : 0;
  const channels = deps.config?.oobChannels ?? [];
  const verified = (c: OobChannel) => destinations?.[c]?.active !== undefined && without?.oob !== c;
  const oobCounts = (c: OobChannel) => verified(c) && (policy ? countsSecondFactor(policy, c, channels) : channels.includes(c));
  return {
    credentials,
    factors: {
      password: password !== undefined,
      usableKeys: usable.length,
      passwordlessKeys: usable.filter((c) => c.userVerified).length,
      totp: totpCounts,
      recoveryCodes,
      sms: oobCounts('sms'),
      email: oobCounts('email'),
      approval: usable.length > 0 && deps.config?.approval === true && (!policy || countsSecondFactor(policy, 'approval', channels, true)),
      // Unchanged by role: a password alone never enrols past this (sign-up's enrol stage).
      anySecondFactor: keys.length > 0 || hasTotp || (codes?.hashes.length ?? 0) > 0 || verified('sms') || verified('email'),
    },
    destinations,
  };
}
