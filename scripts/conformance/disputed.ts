/**
 * Vectors whose recorded `expect` contradicts another vector of the same corpus, so that
 * no verifier can agree with both. They are still run and printed (as SKIP with the
 * reason below, never silently), but do not fail the run. Keep this list to real
 * contradictions: a vector keygate merely disagrees with is a bug to fix, not an entry.
 */
export const DISPUTED: Readonly<Record<string, string>> = {
  'py-reg-u2f-yubikey4-tokenbinding-bad-status':
    'disputed: its only fault is clientDataJSON.tokenBinding {"status":"not-supported"}, which fido2-reg-packed-feitian-biopass ' +
    'carries too and expects valid. keygate follows WebAuthn Level 3, where tokenBinding is reserved and not verified, ' +
    'and accepts the historical values present|supported|not-supported.',
};
