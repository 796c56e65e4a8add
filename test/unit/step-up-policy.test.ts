/**
 * Step-up for sensitive changes (DESIGN.md "Sign-in states"): a proof of two factors within
 * the step-up window, judged from the session's amr only; password + TOTP only for accounts
 * without a usable key; a recovery-code session may only ADD a factor.
 */
import { describe, expect, it } from '@jest/globals';
import { ForbiddenError, KeygateError } from '../../server/src/errors/keygate-error.js';
import type { FactorSet } from '../../server/src/policy/factor-rules.js';
import { deriveSignInProof, type ProvenFactor } from '../../server/src/policy/sign-in-proof.js';
import { requireStepUp, stepUpMethods, stepUpSatisfied, type SensitiveAction, type StepUpMethod } from '../../server/src/policy/step-up.js';
import type { Session } from '../../server/src/storage/ports.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const MAX_AGE = 300;
const ago = (ms: number): Date => new Date(NOW.getTime() - ms);
const ACTIONS: SensitiveAction[] = ['add_factor', 'remove_factor', 'change_password', 'regenerate_recovery_codes'];

/** The amr a real sign-in of each kind records (through the policy that derives it). */
const amrOf = (...factors: ProvenFactor[]): string[] => deriveSignInProof(factors).amr;
const AMR = {
  uvKeyHw: amrOf({ kind: 'webauthn', userVerified: true, hardwareBound: true }),
  uvKey: amrOf({ kind: 'webauthn', userVerified: true, hardwareBound: false }),
  pwdKeyHw: amrOf({ kind: 'password' }, { kind: 'webauthn', userVerified: false, hardwareBound: true }),
  pwdKey: amrOf({ kind: 'password' }, { kind: 'webauthn', userVerified: false, hardwareBound: false }),
  pwdTotp: amrOf({ kind: 'password' }, { kind: 'totp' }),
  pwdRecovery: amrOf({ kind: 'password' }, { kind: 'recovery_code' }),
  pwdOnly: amrOf({ kind: 'password' }),
  upKeyOnly: amrOf({ kind: 'webauthn', userVerified: false, hardwareBound: false }),
  none: [] as string[],
};

function session(amr: string[], authenticatedAt: Date = ago(1000), o: Partial<Session> = {}): Session {
  return { id: 'sid', userId: 'uid', amr, acr: deriveSignInProof([]).acr, authenticatedAt, expiresAt: new Date(NOW.getTime() + 3_600_000), ...o };
}

function factors(o: Partial<FactorSet> = {}): FactorSet {
  return { password: true, usableKeys: 0, passwordlessKeys: 0, totp: false, recoveryCodes: 0, sms: false, email: false, anySecondFactor: false, ...o };
}

/** Accounts by what they hold. */
const F = {
  passwordless: factors({ password: false, usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true }),
  passwordAndKey: factors({ usableKeys: 1, totp: true, recoveryCodes: 10, anySecondFactor: true }),
  passwordAndUvKey: factors({ usableKeys: 2, passwordlessKeys: 1, recoveryCodes: 10, anySecondFactor: true }),
  passwordAndTotp: factors({ totp: true, recoveryCodes: 10, anySecondFactor: true }),
  passwordAndTotpNoCodes: factors({ totp: true, anySecondFactor: true }),
  passwordAndCodesOnly: factors({ recoveryCodes: 4, anySecondFactor: true }),
  flaggedKeyOnly: factors({ anySecondFactor: true }),
  passwordOnly: factors(),
};

describe('stepUpSatisfied: age at the window edge', () => {
  it.each<[string, number, boolean]>([
    ['just now', 0, true],
    ['1 s ago', 1000, true],
    ['1 ms inside the window', MAX_AGE * 1000 - 1, true],
    ['exactly at the window edge (at most max age old)', MAX_AGE * 1000, true],
    ['1 ms past the window', MAX_AGE * 1000 + 1, false],
    ['an hour ago', 3_600_000, false],
  ])('%s', (_what, ageMs, ok) => {
    for (const action of ACTIONS) {
      expect(stepUpSatisfied(session(AMR.uvKey, ago(ageMs)), F.passwordAndKey, action, NOW, MAX_AGE)).toBe(ok);
    }
  });

  it('the window is maxAgeSeconds, not a constant', () => {
    const s = session(AMR.pwdKey, ago(61_000));
    expect(stepUpSatisfied(s, F.passwordAndKey, 'remove_factor', NOW, 60)).toBe(false);
    expect(stepUpSatisfied(s, F.passwordAndKey, 'remove_factor', NOW, 61)).toBe(true);
  });
});

describe('stepUpSatisfied: amr kinds × factors × actions', () => {
  const all = (ok: boolean): Record<SensitiveAction, boolean> => ({ add_factor: ok, remove_factor: ok, change_password: ok, regenerate_recovery_codes: ok });
  const addOnly: Record<SensitiveAction, boolean> = { add_factor: true, remove_factor: false, change_password: false, regenerate_recovery_codes: false };

  it.each<[string, string[], FactorSet, Record<SensitiveAction, boolean>]>([
    ['key with UV (hwk)', AMR.uvKeyHw, F.passwordAndKey, all(true)],
    ['key with UV (swk)', AMR.uvKey, F.passwordless, all(true)],
    ['password + key (hwk)', AMR.pwdKeyHw, F.passwordAndKey, all(true)],
    ['password + key (swk)', AMR.pwdKey, F.passwordAndKey, all(true)],
    ['password + TOTP, no usable key', AMR.pwdTotp, F.passwordAndTotp, all(true)],
    ['password + TOTP, account has a usable key (must step up with it)', AMR.pwdTotp, F.passwordAndKey, all(false)],
    ['password + TOTP, account has a UV key', AMR.pwdTotp, F.passwordAndUvKey, all(false)],
    ['password + TOTP, only a flagged key (not usable)', AMR.pwdTotp, { ...F.flaggedKeyOnly, totp: true }, all(true)],
    ['password + recovery code (recovery session): only to add a factor', AMR.pwdRecovery, F.passwordAndTotp, addOnly],
    ['password + recovery code, account still has a key', AMR.pwdRecovery, F.passwordAndKey, addOnly],
    ['password only (half sign-in)', AMR.pwdOnly, F.passwordAndKey, all(false)],
    ['key without UV only (one factor)', AMR.upKeyOnly, F.passwordAndKey, all(false)],
    ['no amr', AMR.none, F.passwordAndKey, all(false)],
    ['pwd + otp without mfa', ['pwd', 'otp'], F.passwordAndTotp, all(false)],
    ['swk + user without mfa', ['swk', 'user'], F.passwordless, all(false)],
    ['mfa alone', ['mfa'], F.passwordAndTotp, all(false)],
    ['kba + hwk + mfa (a recovery code never lifts to more than add)', ['pwd', 'kba', 'hwk', 'mfa'], F.passwordAndKey, addOnly],
  ])('%s', (_what, amr, f, expected) => {
    for (const action of ACTIONS) {
      expect({ action, ok: stepUpSatisfied(session(amr), f, action, NOW, MAX_AGE) }).toEqual({ action, ok: expected[action] });
    }
  });

  it('a recovery session (recovery: true) is judged by its amr like any other', () => {
    const s = session(AMR.pwdRecovery, ago(1000), { recovery: true });
    expect(stepUpSatisfied(s, F.passwordAndTotp, 'add_factor', NOW, MAX_AGE)).toBe(true);
    expect(stepUpSatisfied(s, F.passwordAndTotp, 'remove_factor', NOW, MAX_AGE)).toBe(false);
    expect(stepUpSatisfied(s, F.passwordAndTotp, 'change_password', NOW, MAX_AGE)).toBe(false);
    expect(stepUpSatisfied(s, F.passwordAndTotp, 'regenerate_recovery_codes', NOW, MAX_AGE)).toBe(false);
  });

  it('a recovery session past the window cannot even add a factor', () => {
    expect(stepUpSatisfied(session(AMR.pwdRecovery, ago(MAX_AGE * 1000 + 1)), F.passwordAndTotp, 'add_factor', NOW, MAX_AGE)).toBe(false);
  });
});

describe('stepUpMethods', () => {
  it.each<[string, FactorSet, SensitiveAction, StepUpMethod[]]>([
    ['passwordless account', F.passwordless, 'remove_factor', ['webauthn']],
    ['passwordless account, add', F.passwordless, 'add_factor', ['webauthn']],
    ['password + key', F.passwordAndKey, 'remove_factor', ['password+webauthn']],
    ['password + key, change password', F.passwordAndKey, 'change_password', ['password+webauthn']],
    ['password + key, add (codes on record)', F.passwordAndKey, 'add_factor', ['password+webauthn', 'password+recovery_code']],
    ['password + a UV key', F.passwordAndUvKey, 'regenerate_recovery_codes', ['webauthn', 'password+webauthn']],
    ['password + a UV key, add', F.passwordAndUvKey, 'add_factor', ['webauthn', 'password+webauthn', 'password+recovery_code']],
    ['password + TOTP', F.passwordAndTotp, 'remove_factor', ['password+totp']],
    ['password + TOTP, add', F.passwordAndTotp, 'add_factor', ['password+totp', 'password+recovery_code']],
    ['password + TOTP, no codes, add', F.passwordAndTotpNoCodes, 'add_factor', ['password+totp']],
    ['password + codes only, add', F.passwordAndCodesOnly, 'add_factor', ['password+recovery_code']],
    ['password + codes only, remove', F.passwordAndCodesOnly, 'remove_factor', []],
    ['password + codes only, regenerate codes', F.passwordAndCodesOnly, 'regenerate_recovery_codes', []],
    ['only a flagged key', F.flaggedKeyOnly, 'add_factor', []],
    ['password only', F.passwordOnly, 'change_password', []],
    ['recovery codes but no password (cannot sign in with them)', factors({ password: false, recoveryCodes: 5, usableKeys: 1, passwordlessKeys: 1, anySecondFactor: true }), 'add_factor', ['webauthn']],
  ])('%s, %s → %p', (_what, f, action, expected) => {
    expect(stepUpMethods(f, action)).toEqual(expected);
  });

  it('every method it offers, once used, satisfies stepUpSatisfied (for every account shape and action)', () => {
    const amrFor: Record<StepUpMethod, string[]> = {
      webauthn: AMR.uvKey,
      'password+webauthn': AMR.pwdKey,
      'password+totp': AMR.pwdTotp,
      'password+sms': amrOf({ kind: 'password' }, { kind: 'sms' }),
      'password+email': amrOf({ kind: 'password' }, { kind: 'email' }),
      'password+recovery_code': AMR.pwdRecovery,
    };
    /** The acr the same sign-in records (an email code's amr is TOTP's; its acr tells them apart). */
    const acrFor = (m: StepUpMethod) => (m === 'password+sms' ? deriveSignInProof([{ kind: 'password' }, { kind: 'sms' }]).acr : m === 'password+email' ? deriveSignInProof([{ kind: 'password' }, { kind: 'email' }]).acr : deriveSignInProof([]).acr);
    for (const password of [true, false])
      for (const usableKeys of [0, 1, 2])
        for (const passwordlessKeys of [0, 1].filter((n) => n <= usableKeys))
          for (const totp of [true, false])
            for (const recoveryCodes of [0, 3])
              for (const [sms, email] of [[false, false], [true, false], [false, true], [true, true]] as const) {
                const f = factors({ password, usableKeys, passwordlessKeys, totp, recoveryCodes, sms, email, anySecondFactor: usableKeys > 0 || totp || recoveryCodes > 0 || sms || email });
                for (const action of ACTIONS)
                  for (const m of stepUpMethods(f, action)) {
                    expect({ f, action, m, ok: stepUpSatisfied(session(amrFor[m], ago(1000), { acr: acrFor(m) }), f, action, NOW, MAX_AGE) }).toEqual({ f, action, m, ok: true });
                  }
              }
  });
});

describe('requireStepUp', () => {
  it('returns quietly when satisfied', () => {
    expect(requireStepUp(session(AMR.uvKey, ago(0)), F.passwordless, 'remove_factor', NOW, MAX_AGE)).toBeUndefined();
    expect(requireStepUp(session(AMR.pwdRecovery, ago(MAX_AGE * 1000)), F.passwordAndTotp, 'add_factor', NOW, MAX_AGE)).toBeUndefined();
  });

  function thrown(fn: () => void): KeygateError {
    try {
      fn();
    } catch (err) {
      return err as KeygateError;
    }
    throw new Error('expected requireStepUp to throw');
  }

  it.each<[string, Session, FactorSet, SensitiveAction]>([
    ['stale UV key session', session(AMR.uvKey, ago(MAX_AGE * 1000 + 1)), F.passwordless, 'remove_factor'],
    ['password + TOTP on an account with a key', session(AMR.pwdTotp), F.passwordAndKey, 'change_password'],
    ['recovery session removing a factor', session(AMR.pwdRecovery, ago(1000), { recovery: true }), F.passwordAndTotp, 'remove_factor'],
    ['recovery session regenerating codes', session(AMR.pwdRecovery, ago(1000), { recovery: true }), F.passwordAndTotp, 'regenerate_recovery_codes'],
    ['single-factor key session adding a factor', session(AMR.upKeyOnly), F.passwordAndKey, 'add_factor'],
  ])('throws 403 step_up_required with fields.stepUp naming what would do: %s', (_what, s, f, action) => {
    const err = thrown(() => requireStepUp(s, f, action, NOW, MAX_AGE));
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.code).toBe('step_up_required');
    expect(err.status).toBe(403);
    expect(err.fields).toEqual({ stepUp: { accepts: stepUpMethods(f, action), maxAgeSeconds: MAX_AGE } });
  });

  it('fields.stepUp.accepts for a TOTP account adding a factor includes the recovery code', () => {
    const err = thrown(() => requireStepUp(session(AMR.pwdOnly), F.passwordAndTotp, 'add_factor', NOW, MAX_AGE));
    expect(err.fields).toEqual({ stepUp: { accepts: ['password+totp', 'password+recovery_code'], maxAgeSeconds: MAX_AGE } });
  });
});

describe('SMS and email codes (acr oob)', () => {
  const pwdSms = session(amrOf({ kind: 'password' }, { kind: 'sms' }), ago(1000), { acr: deriveSignInProof([{ kind: 'password' }, { kind: 'sms' }]).acr });
  const pwdEmail = session(amrOf({ kind: 'password' }, { kind: 'email' }), ago(1000), { acr: deriveSignInProof([{ kind: 'password' }, { kind: 'email' }]).acr });
  it('step up only where the account has neither a usable key nor TOTP', () => {
    const onlySms = factors({ sms: true, anySecondFactor: true });
    for (const s of [pwdSms, pwdEmail]) {
      expect(stepUpSatisfied(s, onlySms, 'remove_factor', NOW, MAX_AGE)).toBe(true);
      expect(stepUpSatisfied(s, factors({ sms: true, totp: true, anySecondFactor: true }), 'add_factor', NOW, MAX_AGE)).toBe(false);
      expect(stepUpSatisfied(s, factors({ sms: true, usableKeys: 1, anySecondFactor: true }), 'add_factor', NOW, MAX_AGE)).toBe(false);
    }
    expect(stepUpMethods(factors({ sms: true, email: true, anySecondFactor: true }), 'add_factor')).toEqual(['password+sms', 'password+email']);
    expect(stepUpMethods(factors({ sms: true, totp: true, anySecondFactor: true }), 'add_factor')).toEqual(['password+totp']);
  });
  it('an email code is not TOTP: same amr, but its acr keeps it from stepping up where TOTP exists', () => {
    expect(pwdEmail.amr.sort()).toEqual(AMR.pwdTotp.slice().sort());
    expect(stepUpSatisfied(pwdEmail, factors({ totp: true, email: true, anySecondFactor: true }), 'add_factor', NOW, MAX_AGE)).toBe(false);
  });
});
