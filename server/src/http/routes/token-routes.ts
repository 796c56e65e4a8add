import express, { Router, type Request } from 'express';
import type { Deps } from '../../deps.js';
import { requireUser } from '../../ceremonies/manage-credentials.js';
import { parseInput } from '../../lib/parse-input.js';
import { currentSession } from '../../sessions/session-service.js';
import { hasClientCredentials, requireIntrospectionClient } from '../../tokens/client-auth.js';
import { issueToken } from '../../tokens/issue-token.js';
import { publishedAt } from '../../tokens/key-ring.js';
import { keyRing } from '../../tokens/key-ring-service.js';
import { revokeToken } from '../../tokens/revoke-token.js';
import { verifyToken, VERIFY_ALGORITHMS } from '../../tokens/verify-token.js';
import { limitJsonDepth } from '../middleware/limit-json-depth.js';
import { sameOrigin } from '../middleware/same-origin.js';
import { sessionIdOf } from '../middleware/session-cookie.js';
import { tokenReferenceRequest, tokenRequest } from '../request-schemas.js';

const OK = { status: 'ok', errorMessage: '' } as const;

/** Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: form-urlencoded id:secret) or the body. */
function clientCredentials(req: Request, body: { client_id?: string; client_secret?: string }): { id?: string; secret?: string } {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (m) {
    const raw = Buffer.from(m[1]!, 'base64').toString('utf8');
    const i = raw.indexOf(':');
    if (i > 0) {
      const dec = (s: string) => {
        try {
          return decodeURIComponent(s.replace(/\+/g, ' '));
        } catch {
          return s;
        }
      };
      return { id: dec(raw.slice(0, i)), secret: dec(raw.slice(i + 1)) };
    }
  }
  return { id: body.client_id, secret: body.client_secret };
}

/**
 * Discovery and the JWT hand-off: `GET /.well-known/jwks.json`, `GET /.well-known/openid-configuration`
 * (both cacheable for JWKS_MAX_AGE_SECONDS), and `POST /token` (JSON, session cookie).
 */
export function tokenRoutes(deps: Deps): Router {
  const r = Router();
  const { config } = deps;
  const cacheFor = `public, max-age=${config.jwksMaxAgeSeconds}`;

  r.get('/.well-known/jwks.json', async (_req, res) => {
    const ring = await keyRing(deps);
    res.set('Cache-Control', cacheFor).json({ keys: publishedAt(ring, deps.clock.now(), config.tokenTtlSeconds).map((k) => k.publicJwk) });
  });

  r.get('/.well-known/openid-configuration', (_req, res) => {
    const iss = config.tokenIssuer;
    res.set('Cache-Control', cacheFor).json({
      issuer: iss,
      jwks_uri: `${iss}/.well-known/jwks.json`,
      token_endpoint: `${iss}/token`,
      introspection_endpoint: `${iss}/token/introspect`,
      revocation_endpoint: `${iss}/token/revoke`,
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: VERIFY_ALGORITHMS,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      claims_supported: ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti', 'auth_time', 'amr', 'acr', 'txn'],
      acr_values_supported: ['urn:keygate:acr:sf', 'urn:keygate:acr:recovery', 'urn:keygate:acr:mfa', 'urn:keygate:acr:phr', 'urn:keygate:acr:phrh'],
    });
  });

  r.post('/token', async (req, res) => {
    const input = parseInput(tokenRequest, req.body);
    const session = await currentSession(deps, sessionIdOf(req, config));
    await requireUser(deps, session);
    const { token, expiresIn } = await issueToken(deps, { session: session!, ip: req.ip }, input);
    res.set('Cache-Control', 'no-store').json({ ...OK, token, expiresIn });
  });
  return r;
}

/**
 * RFC 7009 revocation and RFC 7662 introspection: bodies form-encoded (as the RFCs say) or
 * JSON; mounted before the JSON-only API. Introspection needs the introspection client;
 * revocation takes either that client (any token) or the session (the user's own).
 */
export function tokenManagementRoutes(deps: Deps): Router {
  const r = Router();
  const { config } = deps;
  r.use(['/token/revoke', '/token/introspect'], (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  }, sameOrigin(config.acceptedOrigins), express.urlencoded({ extended: false, limit: config.bodyLimit }), express.json({ limit: config.bodyLimit, strict: true }), limitJsonDepth);

  r.post('/token/introspect', async (req, res) => {
    const body = parseInput(tokenReferenceRequest, req.body ?? {});
    requireIntrospectionClient(config, clientCredentials(req, body));
    const claims = body.token === undefined ? undefined : await verifyToken(deps, body.token);
    res.set('Cache-Control', 'no-store').json(claims ? { ...OK, active: true, token_type: 'Bearer', ...claims } : { ...OK, active: false });
  });

  r.post('/token/revoke', async (req, res) => {
    const body = parseInput(tokenReferenceRequest, req.body ?? {});
    const creds = clientCredentials(req, body);
    if (hasClientCredentials(creds) || req.headers.authorization !== undefined) {
      requireIntrospectionClient(config, creds);
      await revokeToken(deps, { kind: 'client', ip: req.ip }, body);
    } else {
      const session = await currentSession(deps, sessionIdOf(req, config));
      await requireUser(deps, session);
      await revokeToken(deps, { kind: 'session', session: session!, ip: req.ip }, body);
    }
    res.json(OK);
  });
  return r;
}
