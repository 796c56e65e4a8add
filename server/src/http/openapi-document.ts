import { z } from 'zod';
import type { Config } from '../config/config-schema.js';
import { ERROR_CODES } from '../errors/error-catalogue.js';
import { authenticationResultRequest, registrationResultRequest } from '../ceremonies/response-schemas.js';
import { sessionCookieName } from './middleware/session-cookie.js';
import {
  authenticationOptionsRequest,
  codeRequest,
  newPasswordRequest,
  passwordLoginRequest,
  passwordSignupRequest,
  registrationOptionsRequest,
  renameCredentialRequest,
  tokenReferenceRequest,
  tokenRequest,
} from './request-schemas.js';

/**
 * The OpenAPI 3.1 description served at `/openapi.json`. Request bodies are generated from
 * the same zod schemas that validate them, so the document cannot drift from the code.
 */
export function openApiDocument(config: Config) {
  const body = (schema: z.ZodType, required = true) => {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { required, content: { 'application/json': { schema: json } } };
  };
  const ok = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Ok' } } } });
  const failed = { $ref: '#/components/responses/Failed' };
  const failures = (statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), failed]));
  /** Ceremony calls: any refusal, including the per-IP rate limit (429). */
  const ceremony = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({
    summary,
    description,
    responses: { '200': ok(summary), ...failures([400, 401, 403, 404, 409, 413, 415, 429, 503]) },
    ...extra,
  });
  const op = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({ summary, description, responses: { '200': ok(summary), ...failures([400, 401, 403, 404, 409, 413, 415, 503]) }, ...extra });
  /** Account operations: the session cookie is required. */
  const account = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({ ...op(summary, description, extra), security: [{ session: [] }] });
  const plain = (summary: string, description: string, failure = false) => ({
    summary,
    description,
    responses: {
      '200': { description: summary, content: { 'application/json': { schema: { type: 'object' } } } },
      ...(failure ? { '503': { $ref: '#/components/responses/Failed' } } : {}),
    },
  });
  const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Credential id (base64url)' }];

  return {
    openapi: '3.1.0',
    info: {
      title: 'keygate',
      version: '0.1.0',
      description:
        'WebAuthn/FIDO2 relying party. Ceremony endpoints follow the FIDO Alliance "Server Requirements and Transport Binding Profile". ' +
        'Every reply of the ceremony and account calls carries status "ok"|"failed" and errorMessage; failures add a stable snake_case `code` and, outside production, a developer `detail`. ' +
        'Sensitive changes (keys, TOTP, recovery codes, password) need a fresh proof of two factors (step-up): otherwise 403 step_up_required with `stepUp: { accepts, maxAgeSeconds }` naming what would satisfy it. ' +
        'Password, TOTP and recovery-code attempts are locked out after LOCKOUT_THRESHOLD failures: 429 locked_out with Retry-After and `retryAfterSeconds`.',
    },
    servers: config.rpOrigins.map((url) => ({ url })),
    paths: {
      '/attestation/options': {
        post: ceremony(
          'Start a registration',
          'Creation options for navigator.credentials.create(). A new username registers a new account; an existing one only from a session signed in as it (adding a key: recent sign-in needed, else 403 step_up_required), otherwise 409 username_taken. Creates an anonymous session cookie if needed.',
          { requestBody: body(registrationOptionsRequest) },
        ),
      },
      '/attestation/result': { post: ceremony('Finish a registration', 'Consumes the pending challenge, verifies the attestation and stores the credential; a new user is signed in.', { requestBody: body(registrationResultRequest) }) },
      '/assertion/options': { post: ceremony('Start an authentication', 'Request options for navigator.credentials.get(); no username (or no body) = discoverable credential.', { requestBody: body(authenticationOptionsRequest, false) }) },
      '/assertion/result': { post: ceremony('Finish an authentication', 'Consumes the pending challenge, verifies the assertion and signs the user in (session rotated).', { requestBody: body(authenticationResultRequest) }) },
      '/session': {
        get: op(
          'Am I signed in',
          '`signedIn`, `passwordLogin` and `tokenAudiences` (what POST /token issues for); when signed in, the user and the session with what the sign-in proved: `amr` (RFC 8176), `acr`, `authTime`, `recovery`; when half signed in, `pendingSignIn: { username, stage, next, expiresAt }`. Never 401.',
        ),
      },
      '/login/password': {
        post: ceremony(
          'Sign in with a password (first factor)',
          'PASSWORD_LOGIN=true only (else 403 password_login_disabled). A correct password opens a half sign-in and answers `next`: what can complete it (webauthn = /assertion/options + /assertion/result, totp, recovery_code), or ["enrol"] for an account with no second factor yet. Unknown user and wrong password give the same 401 invalid_credentials. 429 locked_out after LOCKOUT_THRESHOLD failures.',
          { requestBody: body(passwordLoginRequest) },
        ),
      },
      '/login/totp': { post: ceremony('Complete a sign-in with an authenticator-app code', 'RFC 6238, ±1 step; each step once (401 code_already_used). 401 no_pending_sign_in, invalid_code; 404 totp_not_enrolled; 429 locked_out. Signs in (session rotated): amr pwd + otp + mfa.', { requestBody: body(codeRequest) }) },
      '/login/recovery-code': {
        post: ceremony('Complete a sign-in with a recovery code', 'Each code once. 401 no_pending_sign_in, invalid_code; 429 locked_out. Signs in at the lower recovery acr (amr pwd + kba + mfa); the reply\'s `recovery: { remaining, addNewKey }` asks the user to add a new key.', { requestBody: body(codeRequest) }),
      },
      '/signup/password': {
        post: ceremony('Create an account with a password', 'PASSWORD_LOGIN=true only. 400 weak_password (8-128 characters, not the username), invalid_username; 409 username_taken. The session may then only enrol a second factor (TOTP, or a key via /attestation/*); confirming it signs in.', { requestBody: body(passwordSignupRequest) }),
      },
      '/account/factors': { get: account('My sign-in methods', '`{ password, webauthn: N, totp, recoveryCodes: { remaining } }`. Also for a sign-up\'s enrolment session.') },
      '/account/password': { put: account('Set or change my password', 'Step-up; 400 weak_password; 403 password_login_disabled. Ends my other sessions.', { requestBody: body(newPasswordRequest) }) },
      '/account/totp': {
        post: account('Start adding an authenticator app', 'Step-up (or a sign-up\'s enrolment session). `{ otpauthUri, qrCode (PNG data URL), secret (base32) }`, shown once; confirm within 10 minutes.'),
        delete: account('Remove the authenticator app', 'Step-up; 404 totp_not_enrolled; 409 last_factor when it is the last way to complete a sign-in; 409 account_busy.'),
      },
      '/account/totp/confirm': { post: account('Confirm the authenticator app', 'The first valid code activates it (that step counts as used). 400 invalid_confirmation_code; 409 no_pending_totp. For an enrolment session: signs in (`signedIn: true, session`).', { requestBody: body(codeRequest) }) },
      '/account/recovery-codes': { post: account('Generate recovery codes', 'Step-up. `{ codes: [10 × "XXXX-XXXX-XXXX"] }`, shown once; replaces every earlier code.') },
      '/account/me': { get: account('Who am I', 'The signed-in user and session (401 not_signed_in otherwise).') },
      '/account/credentials': { get: account('List my credentials', 'Security keys and passkeys of the signed-in user.') },
      '/account/credentials/{id}': {
        patch: account('Rename a credential', 'Renames one of the caller\'s credentials (404 credential_not_found for any other id).', { parameters: idParam, requestBody: body(renameCredentialRequest) }),
        delete: account('Remove a credential', 'Removes one of the caller\'s credentials (404 credential_not_found for any other id); step-up (403 step_up_required); never the account\'s last way to complete a sign-in (409 last_factor); 409 account_busy while another removal runs. Ends the other sessions signed in with it.', { parameters: idParam }),
      },
      '/session/logout': { post: op('Sign out', 'Ends the session and clears the cookie.') },
      '/session/logout-others': { post: account('Sign out everywhere else', 'Ends every other session of the signed-in user; `{ ended: N }`.') },
      '/account/activity': {
        get: account('My recent activity', 'The signed-in user\'s own audit events, newest first: `{ events: [{ id, type, at, outcome, code?, credentialId?, ip?, userAgent? }], next? }`. Query: `limit` (1-100, default 20), `before` (the previous page\'s `next`), `type` (e.g. `authentication.failed`), `from` / `to` (ISO 8601, [from, to)). Events older than AUDIT_RETENTION_DAYS are gone.'),
      },
      '/token': {
        post: account(
          'Exchange this sign-in for a JWT',
          '`{ audience, txn? }` → `{ token, expiresIn }`. audience from TOKEN_AUDIENCES (400 invalid_audience); the sign-in at most TOKEN_MAX_AUTH_AGE_SECONDS old (403 sign_in_too_old); one token per sign-in and audience (409 token_already_issued). Claims: iss, sub, aud, iat, nbf, exp, jti, auth_time, amr, acr, txn. Verify it with the JWKS at /.well-known/jwks.json.',
          { requestBody: body(tokenRequest) },
        ),
      },
      '/token/revoke': {
        post: op(
          'Revoke a token (RFC 7009)',
          '`{ jti }` or `{ token }`, form-encoded or JSON. With the session cookie: the user\'s own tokens (404 unknown_token otherwise). With the introspection client (HTTP Basic or client_id/client_secret): any token; unknown ones answer ok too.',
          { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } }, 'application/json': body(tokenReferenceRequest).content['application/json'] } } },
        ),
      },
      '/token/introspect': {
        post: op(
          'Introspect a token (RFC 7662)',
          'Client authentication with INTROSPECTION_CLIENT_ID / _SECRET (HTTP Basic or in the body; 401 invalid_client). `{ active: true, ...claims }` for a valid, unrevoked keygate token; `{ active: false }` for revoked, expired, tampered, unknown-key or foreign tokens.',
          { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } }, 'application/json': body(tokenReferenceRequest).content['application/json'] } } },
        ),
      },
      '/.well-known/jwks.json': { get: plain('Token-signing public keys', 'JWKS (RFC 7517): every key that signs now, will sign soon, or signed tokens that have not expired yet. Cache-Control max-age JWKS_MAX_AGE_SECONDS.', true) },
      '/.well-known/openid-configuration': { get: plain('Discovery', 'issuer, jwks_uri, token, introspection and revocation endpoints, supported algorithms, so standard JWT libraries verify keygate tokens.') },
      '/healthz': { get: plain('Liveness', 'The process is up: `{ "status": "ok" }`.') },
      '/readyz': { get: plain('Readiness', 'The store is reachable and a signing key is ready: `{ "status": "ok", "store": "memory" | "mongo" }`; 503 store_unavailable otherwise.', true) },
      '/openapi.json': { get: plain('This document', 'OpenAPI 3.1.') },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          description:
            'Prometheus text exposition format 0.0.4: keygate_ceremonies_{started,finished,failed}_total, keygate_http_request_duration_seconds, keygate_lockouts_total, keygate_audit_events_total, keygate_store_operation_duration_seconds, keygate_store_errors_total, and process/Node.js metrics. ' +
            'Served here only when METRICS_TOKEN is set and METRICS_PORT is not (then `Authorization: Bearer <METRICS_TOKEN>`, else 401 invalid_token); with METRICS_PORT only on that port; with neither, 404.',
          security: [{ metricsToken: [] }],
          responses: {
            '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
            '401': failed,
            '404': failed,
          },
        },
      },
    },
    components: {
      schemas: {
        Ok: { type: 'object', required: ['status', 'errorMessage'], properties: { status: { const: 'ok' }, errorMessage: { const: '' } }, additionalProperties: true },
        Failed: {
          type: 'object',
          required: ['status', 'errorMessage', 'code'],
          properties: {
            status: { const: 'failed' },
            errorMessage: { type: 'string', minLength: 1, description: 'Safe to show to the user.' },
            code: { type: 'string', enum: [...ERROR_CODES], description: 'Stable machine-readable reason (server/src/errors/error-catalogue.ts: one HTTP status per code).' },
            detail: { type: 'string', description: 'Developer detail; omitted in production.' },
          },
        },
      },
      responses: { Failed: { description: 'Refused; see `code`.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Failed' } } } } },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: sessionCookieName(config) },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
    },
  };
}
