import { BadRequestError } from '../errors/keygate-error.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/**
 * NIST SP 800-63B §5.1.1.2 memorised secrets: 8 to 128 characters (counted as Unicode code
 * points after NFKC normalisation, which is also what gets hashed), every character
 * allowed, no composition rules; refused when it is the username (compared case-
 * insensitively), or when it holds a lone surrogate (no UTF-8 form). Returns the
 * normalised password; `weak_password` (400) otherwise.
 */
export function checkNewPassword(password: string, username: string): string {
  if (/\p{Cs}/u.test(password)) {
    // A lone surrogate has no UTF-8 form: two different passwords would hash alike.
    throw new BadRequestError('weak_password', 'password is not well-formed UTF-16 (lone surrogate)', { variant: 'unstorable' });
  }
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new BadRequestError('weak_password', `password has ${length} characters`, { variant: 'length', params: { min: PASSWORD_MIN, max: PASSWORD_MAX } });
  }
  if (normalized.toLowerCase() === username.normalize('NFKC').toLowerCase()) {
    throw new BadRequestError('weak_password', 'password equals the username', { variant: 'isUsername' });
  }
  return normalized;
}

/** A password as given at sign-in, normalised the same way (no length rule: a wrong one is simply wrong). */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
