/**
 * Express middleware that admits a request only with a valid keygate token, verified offline
 * against keygate's published keys (as the README's "Tokens for integrators" shows).
 *
 *   import express from 'express';
 *   import { requireKeygate } from './require-keygate.mjs';
 *
 *   const app = express();
 *   app.post('/deploy', requireKeygate({
 *     issuer: 'https://login.example.com',          // keygate's TOKEN_ISSUER
 *     audience: 'https://deploy.example.com',       // this service, one of keygate's TOKEN_AUDIENCES
 *     acr: ['urn:keygate:acr:phr', 'urn:keygate:acr:phrh'], // any of these (optional)
 *     amr: ['mfa'],                                 // all of these (optional)
 *   }), (req, res) => res.json({ by: req.keygate.sub, txn: req.keygate.txn }));
 *
 * Reads `Authorization: Bearer <jwt>` and verifies it with jose's createRemoteJWKSet on
 * `${issuer}/.well-known/jwks.json` (fetched once and cached, refetched for an unknown kid),
 * only ES256, EdDSA or RS256, then `iss`, `aud`, `exp`/`nbf`. Then `acr` must be one of `acr`
 * and `amr` must contain every entry of `amr`. On success `req.keygate` holds the claims.
 * Otherwise it answers JSON: 401 `invalid_token` (missing, malformed, forged, expired, wrong
 * issuer or audience; with `WWW-Authenticate: Bearer`, RFC 6750 §3), 403
 * `insufficient_user_authentication` (the sign-in proves too little: sign in again with a
 * stronger method, RFC 9470), 503 `temporarily_unavailable` (keygate's JWKS unreachable).
 * The token is not checked for revocation: use POST /token/introspect for that.
 * Plain Node ESM; needs only `jose` (npm install jose).
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

const ALGORITHMS = ['ES256', 'EdDSA', 'RS256']; // never 'none', never HS256

/**
 * @param {{ issuer: string, audience: string, acr?: string[], amr?: string[] }} options
 * @returns {(req: any, res: any, next: (err?: unknown) => void) => Promise<void>}
 */
export function requireKeygate({ issuer, audience, acr, amr } = {}) {
  if (typeof issuer !== 'string' || !issuer) throw new TypeError('requireKeygate: issuer (keygate\'s TOKEN_ISSUER) is required');
  if (typeof audience !== 'string' || !audience) throw new TypeError('requireKeygate: audience (this service) is required');
  if (acr !== undefined && (!Array.isArray(acr) || acr.length === 0)) throw new TypeError('requireKeygate: acr must be a non-empty list of acceptable values');
  if (amr !== undefined && !Array.isArray(amr)) throw new TypeError('requireKeygate: amr must be a list of required methods');
  const jwks = createRemoteJWKSet(new URL(`${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`));

  const refuse = (res, status, error, description, challenge) => {
    res.status(status).set('WWW-Authenticate', `Bearer realm="keygate", ${challenge}`).set('Cache-Control', 'no-store').json({ error, error_description: description });
  };

  return async function keygateGuard(req, res, next) {
    const m = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*) *$/i.exec(req.headers.authorization ?? '');
    if (!m) {
      refuse(res, 401, 'invalid_token', 'An Authorization: Bearer <keygate token> header is required.', 'error="invalid_token"');
      return;
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(m[1], jwks, { issuer, audience, algorithms: ALGORITHMS }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
        res.status(503).set('Retry-After', '5').json({ error: 'temporarily_unavailable', error_description: 'keygate\'s signing keys could not be fetched.' });
        return;
      }
      refuse(res, 401, 'invalid_token', `The token was refused (${err.code}).`, 'error="invalid_token"');
      return;
    }
    const methods = Array.isArray(payload.amr) ? payload.amr : [];
    const missing = (amr ?? []).filter((x) => !methods.includes(x));
    if ((acr && !acr.includes(payload.acr)) || missing.length > 0) {
      const why = missing.length > 0 ? `amr lacks ${missing.join(', ')}` : `acr ${JSON.stringify(payload.acr)} is not one of ${acr.join(', ')}`;
      refuse(res, 403, 'insufficient_user_authentication', `A stronger sign-in is required: ${why}.`, `error="insufficient_user_authentication"${acr ? `, acr_values="${acr.join(' ')}"` : ''}`);
      return;
    }
    req.keygate = payload;
    next();
  };
}
