/**
 * NIST SP 800-63B §5.1.1.2 memorised secrets: 8 to 128 characters counted as Unicode code
 * points after NFKC (what is also hashed), every character allowed, no composition rules,
 * never the username (case-insensitively). Failures are 400 `weak_password`.
 */
import { describe, expect, it } from '@jest/globals';
import { BadRequestError, KeygateError } from '../../server/src/errors/keygate-error.js';
import { checkNewPassword, normalizePassword, PASSWORD_MAX, PASSWORD_MIN } from '../../server/src/policy/password-rules.js';

const USER = 'alice';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as KeygateError).status).toBe(400);
    return (err as KeygateError).code;
  }
}

const EMOJI = '\u{1F600}'; // 😀: 1 code point, 2 UTF-16 units
const E_ACUTE_DECOMPOSED = 'e\u0301'; // 2 code points; NFKC composes it to é (1)
const Q_ACUTE = 'q\u0301'; // no precomposed form: stays 2 code points after NFKC
const FI_LIGATURE = '\uFB01'; // ﬁ: 1 code point; NFKC expands it to "fi" (2)

describe('checkNewPassword: length in code points after NFKC', () => {
  it('uses the NIST bounds', () => {
    expect([PASSWORD_MIN, PASSWORD_MAX]).toEqual([8, 128]);
  });

  it.each<[string, string, string | undefined]>([
    ['7 ASCII characters', 'a'.repeat(7), 'weak_password'],
    ['8 ASCII characters', 'a'.repeat(8), undefined],
    ['128 ASCII characters', 'a'.repeat(128), undefined],
    ['129 ASCII characters', 'a'.repeat(129), 'weak_password'],
    ['empty', '', 'weak_password'],
    // Emoji: 1 code point each, though 2 UTF-16 units (string .length would double-count).
    ['7 emoji (14 UTF-16 units)', EMOJI.repeat(7), 'weak_password'],
    ['8 emoji', EMOJI.repeat(8), undefined],
    ['128 emoji (256 UTF-16 units)', EMOJI.repeat(128), undefined],
    ['129 emoji', EMOJI.repeat(129), 'weak_password'],
    // Combining characters that NFKC composes: counted after composition.
    ['7 decomposed é (14 code points before NFKC)', E_ACUTE_DECOMPOSED.repeat(7), 'weak_password'],
    ['8 decomposed é', E_ACUTE_DECOMPOSED.repeat(8), undefined],
    ['128 decomposed é (256 code points before NFKC)', E_ACUTE_DECOMPOSED.repeat(128), undefined],
    ['129 decomposed é', E_ACUTE_DECOMPOSED.repeat(129), 'weak_password'],
    // A combining mark with no precomposed form stays its own code point.
    ['4 q + combining acute (8 code points)', Q_ACUTE.repeat(4), undefined],
    ['64 q + combining acute (128 code points)', Q_ACUTE.repeat(64), undefined],
    ['64 q + combining acute + 1 (129 code points)', Q_ACUTE.repeat(64) + 'x', 'weak_password'],
    ['3 q + combining acute + 1 (7 code points)', Q_ACUTE.repeat(3) + 'x', 'weak_password'],
    // Compatibility characters NFKC expands: counted after expansion.
    ['4 ﬁ ligatures (4 code points raw, 8 after NFKC)', FI_LIGATURE.repeat(4), undefined],
    ['3 ﬁ + 1 (4 raw, 7 after NFKC)', FI_LIGATURE.repeat(3) + 'x', 'weak_password'],
    ['64 ﬁ ligatures (128 after NFKC)', FI_LIGATURE.repeat(64), undefined],
    ['65 ﬁ ligatures (65 raw, 130 after NFKC)', FI_LIGATURE.repeat(65), 'weak_password'],
    // Every character allowed, no composition rules.
    ['8 spaces', ' '.repeat(8), undefined],
    ['only digits', '12345678', undefined],
    ['mixed scripts and symbols', 'пароль密码🔑 ≠', undefined],
  ])('%s → %p', (_what, password, code) => {
    expect(codeOf(() => checkNewPassword(password, USER))).toBe(code);
  });

  it('returns the NFKC-normalised password (what gets hashed)', () => {
    expect(checkNewPassword(E_ACUTE_DECOMPOSED.repeat(8), USER)).toBe('\u00e9'.repeat(8));
    expect(checkNewPassword(FI_LIGATURE.repeat(4), USER)).toBe('fi'.repeat(4));
    expect(checkNewPassword('ｐａｓｓｗｏｒｄ', USER)).toBe('password');
    expect(checkNewPassword(EMOJI.repeat(8), USER)).toBe(EMOJI.repeat(8));
  });
});

describe('checkNewPassword: never the username', () => {
  it.each<[string, string, string]>([
    ['the same', 'alice.smith', 'alice.smith'],
    ['upper case', 'ALICE.SMITH', 'alice.smith'],
    ['mixed case', 'Alice.Smith', 'alice.smith'],
    ['username given in upper case', 'alice.smith', 'ALICE.SMITH'],
    ['full-width forms (NFKC)', 'ＡＬＩＣＥ．ＳＭＩＴＨ', 'alice.smith'],
    ['decomposed vs precomposed', 'jos\u00e9.garc\u00eda', 'jose\u0301.garci\u0301a'],
  ])('refuses %s with weak_password', (_what, password, username) => {
    expect(codeOf(() => checkNewPassword(password, username))).toBe('weak_password');
  });

  it.each<[string, string, string]>([
    ['one character more', 'alice.smith1', 'alice.smith'],
    ['the username reversed', 'htims.ecila', 'alice.smith'],
    ['containing the username', 'my alice.smith pw', 'alice.smith'],
  ])('allows %s', (_what, password, username) => {
    expect(codeOf(() => checkNewPassword(password, username))).toBeUndefined();
  });

  it('a short username: the length rule is the one that applies', () => {
    expect(codeOf(() => checkNewPassword('Bob', 'bob'))).toBe('weak_password');
  });
});

describe('normalizePassword', () => {
  it('normalises like checkNewPassword, without a length rule', () => {
    expect(normalizePassword('x')).toBe('x');
    expect(normalizePassword(E_ACUTE_DECOMPOSED)).toBe('\u00e9');
    expect(normalizePassword(FI_LIGATURE)).toBe('fi');
    expect(normalizePassword('a'.repeat(500))).toBe('a'.repeat(500));
    const pw = `${E_ACUTE_DECOMPOSED.repeat(4)}ｐａｓｓ${FI_LIGATURE}`;
    expect(normalizePassword(pw)).toBe(checkNewPassword(pw, USER));
  });
});
