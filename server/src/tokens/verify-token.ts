import { createLocalJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { Deps } from '../deps.js';
import { publishedAt } from './key-ring.js';
import { keyRing } from './key-ring-service.js';

/** Algorithms keygate's verifier accepts: never `none`, never an HMAC (a public key is no secret). */
export const VERIFY_ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];

/**
 * Verifies a keygate token as an integrator would, against the keys keygate publishes now:
 * signature (kid in the published JWKS, alg in VERIFY_ALGORITHMS), `iss` = TOKEN_ISSUER,
 * `exp`/`nbf` at the injected clock (no leeway), then that its jti is not revoked. Returns the
 * claims, or `undefined` for any token that is not an active keygate token (RFC 7662: no reason given).
 */
export async function verifyToken(deps: Pick<Deps, 'store' | 'clock' | 'config' | 'logger'>, token: string): Promise<JWTPayload | undefined> {
  const now = deps.clock.now();
  const ring = await keyRing(deps);
  const jwks = createLocalJWKSet({ keys: publishedAt(ring, now, deps.config.tokenTtlSeconds).map((k) => k.publicJwk) });
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, jwks, { issuer: deps.config.tokenIssuer, algorithms: VERIFY_ALGORITHMS, currentDate: now, requiredClaims: ['jti', 'sub', 'exp', 'aud'] }));
  } catch {
    return undefined; // any jose refusal: bad signature, unknown kid, wrong alg or issuer, expired, malformed
  }
  // Outside the try: a store that cannot answer is a 503, not an "inactive" token.
  return (await deps.store.tokens.isRevoked(payload.jti!, now)) ? undefined : payload;
}

/** The jti and exp of a token without verifying it (to revoke by token as well as by jti), or `undefined`. */
export function peekToken(token: string): { jti?: string; exp?: number } | undefined {
  try {
    const { jti, exp } = decodeJwt(token);
    return { jti, exp };
  } catch {
    return undefined;
  }
}
