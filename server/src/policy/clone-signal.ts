/**
 * What to do on a clone signal (DESIGN.md "Who decides"; WebAuthn §7.2 step 21, §6.1.1): an
 * assertion whose signature verified but whose signature counter did not grow past the
 * stored one. Both zero means the authenticator keeps no counter and is no signal, nor is a
 * counter that grew: `undefined`, nothing to do (the ordered checks of
 * ceremonies/verify-authentication-response.ts raise `counter_regression` exactly when this
 * is defined). The policy decides, the ceremony executes, in this order:
 * 1. `flag`: mark the credential possibly cloned, so that policy/credential-usability.ts
 *    refuses it from now on (for the clone and the original alike: which one is which is
 *    unknowable);
 * 2. `endSessions`: whoever signed in with it before (the clone or the original) is signed out;
 * 3. `audit`: record the event, with both counter values, for the owner and the administrator;
 * 4. `refuse`: the sign-in fails with `counter_regression` (always: letting it through
 *    would let a clone in, hence the literal type).
 */
export interface CloneSignal {
  /** The counter value stored with the credential, that the assertion was verified against. */
  stored: number;
  /** The counter value the signed authenticator data carries. */
  received: number;
}

export interface CloneReaction {
  flag: boolean;
  endSessions: boolean;
  audit: { type: 'credential.possibly_cloned'; outcome: 'failure'; code: 'counter_regression'; data: { received: number; stored: number } } | undefined;
  refuse: { code: 'counter_regression' };
}

export function reactToCloneSignal(signal: CloneSignal): CloneReaction | undefined {
  const { stored, received } = signal;
  if (received > stored || (received === 0 && stored === 0)) return undefined;
  return {
    flag: true,
    endSessions: true,
    audit: { type: 'credential.possibly_cloned', outcome: 'failure', code: 'counter_regression', data: { received: signal.received, stored: signal.stored } },
    refuse: { code: 'counter_regression' },
  };
}
