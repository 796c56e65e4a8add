import { BadRequestError } from '../errors/keygate-error.js';

/** Unicode category C (Cc, Cf, Cs, Co, Cn) and the replacement character. */
const FORBIDDEN = /[\p{C}\uFFFD]/u;

/**
 * Usernames are compared after NFKC normalisation, trimming and lower-casing, so that
 * "Alice" and "alice" (or full-width letters) are one account. 1-64 characters; no control,
 * format (zero-width, bidi overrides), surrogate, private-use or unassigned characters, and
 * no U+FFFD (what undecodable bytes become), so that no name hides invisible characters.
 * Mixed-script look-alikes (Cyrillic а for Latin a) are not caught: that needs a
 * confusables table.
 */
export function normalizeUsername(raw: string): string {
  const name = raw.normalize('NFKC').trim().toLowerCase();
  if (name.length === 0 || name.length > 64 || FORBIDDEN.test(name)) {
    throw new BadRequestError('invalid_username', `username ${JSON.stringify(raw)}`);
  }
  return name;
}

/** Display names: trimmed, at most 64 characters; defaults to the username. */
/** true when `text` holds a character usernames refuse (for other human-readable labels). */
export function hasForbiddenCharacters(text: string): boolean {
  return FORBIDDEN.test(text);
}

export function normalizeDisplayName(raw: string | undefined, username: string): string {
  const name = (raw ?? '').normalize('NFKC').trim();
  if (name.length > 64 || FORBIDDEN.test(name)) {
    throw new BadRequestError('invalid_display_name', `display name of ${[...name].length} characters, or with invisible characters`);
  }
  return name || username;
}
