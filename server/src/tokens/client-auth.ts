import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config-schema.js';
import { UnauthorizedError } from '../errors/keygate-error.js';

/**
 * Authenticates the introspection client (RFC 7662 §2.1; RFC 6749 §2.3.1 client_secret_basic
 * or client_secret_post) against INTROSPECTION_CLIENT_ID / _SECRET. Both values are compared
 * in constant time (as SHA-256 digests, so their lengths do not leak either). Unset secret,
 * missing or wrong credentials: 401 `invalid_client` (with `error` as OAuth clients expect).
 */
export function requireIntrospectionClient(config: Pick<Config, 'introspectionClientId' | 'introspectionClientSecret'>, given: { id?: string; secret?: string }): void {
  const expected = config.introspectionClientSecret;
  const ok = expected !== undefined && given.id !== undefined && given.secret !== undefined && same(given.id, config.introspectionClientId) && same(given.secret, expected);
  if (!ok) {
    throw new UnauthorizedError('invalid_client', expected === undefined ? 'INTROSPECTION_CLIENT_SECRET is not set: introspection is off' : 'wrong or missing client credentials', {
      headers: { 'WWW-Authenticate': 'Basic realm="keygate"' },
      // RFC 6749 §5.2: OAuth clients read `error`.
      fields: { error: 'invalid_client' },
    });
  }
}

/** Whether a caller presented client credentials at all (then they must be right). */
export function hasClientCredentials(given: { id?: string; secret?: string }): boolean {
  return given.id !== undefined || given.secret !== undefined;
}

function same(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  // Both sides are evaluated before comparing, so the time does not depend on which differs.
  const x = digest(a);
  const y = digest(b);
  return timingSafeEqual(x, y);
}
