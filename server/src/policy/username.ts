import { BadRequestError } from '../errors/keygate-error.js';

/**
 * Usernames are compared after NFKC normalisation, trimming and lower-casing, so that
 * "Alice" and "alice" (or full-width letters) are one account. 1-64 characters, no control
 * characters.
 */
export function normalizeUsername(raw: string): string {
  const name = raw.normalize('NFKC').trim().toLowerCase();
  if (name.length === 0 || name.length > 64 || /\p{Cc}/u.test(name)) {
    throw new BadRequestError('invalid_username', 'Usernames are 1 to 64 characters, without control characters.', `username ${JSON.stringify(raw)}`);
  }
  return name;
}

/** Display names: trimmed, at most 64 characters; defaults to the username. */
export function normalizeDisplayName(raw: string | undefined, username: string): string {
  const name = (raw ?? '').normalize('NFKC').trim();
  if (name.length > 64 || /\p{Cc}/u.test(name)) {
    throw new BadRequestError('invalid_display_name', 'Display names are at most 64 characters, without control characters.');
  }
  return name || username;
}
