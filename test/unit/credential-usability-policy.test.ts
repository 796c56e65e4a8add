/**
 * Whether a credential may be used now (policy/credential-usability.ts): the one rule that
 * start-authentication, finish-authentication, the factor set (step-up, last factor) and
 * sessions ask. Asserted on codes.
 */
import { describe, expect, it } from '@jest/globals';
import { KeygateError } from '../../server/src/errors/keygate-error.js';
import { credentialUsability, requireUsableCredential, usableCredential } from '../../server/src/policy/credential-usability.js';

type Code = 'credential_disabled' | 'credential_possibly_cloned' | undefined;

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (err instanceof KeygateError) return `${err.status} ${err.code}`;
    throw err;
  }
}

describe('credentialUsability', () => {
  // [disabled, possiblyCloned, refusal code]: disabled is checked first.
  it.each<[boolean, boolean, Code]>([
    [false, false, undefined],
    [true, false, 'credential_disabled'],
    [false, true, 'credential_possibly_cloned'],
    [true, true, 'credential_disabled'],
  ])('disabled %p, possiblyCloned %p → %p', (disabled, possiblyCloned, code) => {
    const c = { id: 'cred-1', disabled, possiblyCloned };
    const verdict = credentialUsability(c);
    expect(verdict.usable ? undefined : verdict.code).toBe(code);
    expect(usableCredential(c)).toBe(code === undefined);
    expect(codeOf(() => requireUsableCredential(c))).toBe(code === undefined ? undefined : `403 ${code}`);
  });

  const detailOf = (fn: () => void): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return (err as KeygateError).detail;
    }
  };

  it.each<[boolean, boolean, string | undefined, string]>([
    [true, false, undefined, 'credential cred-9 is disabled'],
    [false, true, undefined, 'credential cred-9 is flagged possiblyCloned'],
    [true, false, 'during the sign-in', 'credential cred-9 was disabled during the sign-in'],
    [false, true, 'during the sign-in', 'credential cred-9 was flagged possiblyCloned during the sign-in'],
  ])('developer detail (disabled %p, flagged %p, meanwhile %p): %s', (disabled, possiblyCloned, meanwhile, detail) => {
    expect(detailOf(() => requireUsableCredential({ id: 'cred-9', disabled, possiblyCloned }, meanwhile))).toBe(detail);
  });

  it('filters a list down to the usable keys', () => {
    const keys = [
      { id: 'a', disabled: false, possiblyCloned: false },
      { id: 'b', disabled: true, possiblyCloned: false },
      { id: 'c', disabled: false, possiblyCloned: true },
    ];
    expect(keys.filter(usableCredential).map((k) => k.id)).toEqual(['a']);
  });
});
