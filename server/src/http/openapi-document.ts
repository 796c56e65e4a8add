import { z } from 'zod';
import type { Config } from '../config/config-schema.js';
import * as R from './response-schemas.js';
import * as A from './admin-response-schemas.js';
import { adminPaths } from './openapi-admin-paths.js';
import { approvalPaths } from './openapi-approval-paths.js';
import * as P from './approval-response-schemas.js';
import { authenticationResultRequest, registrationResultRequest } from '../ceremonies/response-schemas.js';
import { sessionCookieName } from './middleware/session-cookie.js';
import {
  activityQuery,
  authenticationOptionsRequest,
  linkOptionsRequest,
  codeRequest,
  oobConfirmRequest,
  oobEnrolRequest,
  oobSendRequest,
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
 * NAMED: the document's components.schemas, every reply schema (response-schemas.ts and its
 * siblings) and the parts they share, so the JSON stays readable.
 */
const NAMED = {
  Ok: R.okReply,
  Failed: R.failedReply,
  StepUpChallenge: R.stepUpChallenge,
  Credential: R.credentialView,
  User: R.userView,
  Session: R.sessionView,
  PendingSignIn: R.pendingSignInView,
  RecoveryInfo: R.recoveryInfo,
  ActivityEvent: R.activityEvent,
  Flags: R.flags,
  RegistrationDebug: R.registrationDebug,
  AuthenticationDebug: R.authenticationDebug,
  RegistrationOptionsReply: R.registrationOptionsReply,
  AuthenticationOptionsReply: R.authenticationOptionsReply,
  RegistrationResultReply: R.registrationResultReply,
  AuthenticationResultReply: R.authenticationResultReply,
  SessionReply: R.sessionReply,
  MeReply: R.meReply,
  CredentialsReply: R.credentialsReply,
  LogoutOthersReply: R.logoutOthersReply,
  ActivityReply: R.activityReply,
  NextStepsReply: R.nextStepsReply,
  CodeSignInReply: R.codeSignInReply,
  FactorsReply: R.factorsReply,
  TotpEnrolmentReply: R.totpEnrolmentReply,
  FactorConfirmReply: R.factorConfirmReply,
  OobSendReply: R.oobSendReply,
  OobEnrolmentReply: R.oobEnrolmentReply,
  ApprovalRequestReply: P.approvalRequestReply,
  ApprovalStatusReply: P.approvalStatusReply,
  Approval: P.approvalView,
  ApprovalsReply: P.approvalsReply,
  ApprovalDenyReply: P.approvalDenyReply,
  RecoveryCodesReply: R.recoveryCodesReply,
  TokenReply: R.tokenReply,
  IntrospectionReply: R.introspectionReply,
  Jwks: R.jwksReply,
  Discovery: R.discoveryReply,
  Health: R.healthReply,
  Ready: R.readyReply,
  WebauthnOrigins: R.webauthnOriginsReply,
  AdminUser: A.adminUserView,
  AttestationVerdict: A.attestationVerdictView,
  MdsStatus: A.mdsStatusView,
  PolicyVerdict: A.policyVerdictView,
  AdminCredential: A.adminCredentialView,
  AdminAuditEvent: A.adminAuditEvent,
  AdminUsersReply: A.adminUsersReply,
  AdminUserReply: A.adminUserReply,
  AdminCredentialReply: A.adminCredentialReply,
  AdminCredentialsReply: A.adminCredentialsReply,
  AdminLinkReply: A.adminLinkReply,
  AdminAuditReply: A.adminAuditReply,
  AdminMdsReply: A.adminMdsReply,
  DevMessagesReply: R.devMessagesReply,
} as const;
export type Named = keyof typeof NAMED;

/** components.schemas from NAMED: references between them as `#/components/schemas/<name>`. */
function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(NAMED)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'output', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  // `$id` / `$schema` per schema are for stand-alone JSON Schema; inside OpenAPI 3.1 the document's dialect applies.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $id: _id, $schema: _s, ...rest }]) => [id, rest]));
}

export function openApiDocument(config: Config) {
  const body = (schema: z.ZodType, required = true) => {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { required, content: { 'application/json': { schema: json } } };
  };
  /** Query parameters from the zod schema that validates the query (http/request-schemas.ts). */
  const query = (schema: z.ZodObject) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
    return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: 'query', required: json.required?.includes(name) ?? false, schema: s }));
  };
  const ref = (name: Named) => ({ $ref: `#/components/schemas/${name}` });
  const ok = (description: string, name: Named = 'Ok') => ({ description, content: { 'application/json': { schema: ref(name) } } });
  const failed = { $ref: '#/components/responses/Failed' };
  const failures = (statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), failed]));
  /** What any JSON API call may be refused with (the catalogue's statuses; 429 from the rate limit or a lockout). */
  const refusals = failures([400, 401, 403, 404, 409, 413, 415, 429, 503]);
  /** Ceremony and account calls: 200 with `reply`, or a refusal. */
  const op = (reply: Named, summary: string, description: string, extra: Record<string, unknown> = {}) => ({ summary, description, responses: { '200': ok(summary, reply), ...refusals }, ...extra });
  const ceremony = op;
  /** Account operations: the session cookie is required. */
  const account = (reply: Named, summary: string, description: string, extra: Record<string, unknown> = {}) => ({ ...op(reply, summary, description, extra), security: [{ session: [] }] });
  /** What the API router refuses before any route (a GET with a body that is malformed, too large or not JSON; a foreign Origin). */
  const apiRefusals = failures([400, 403, 413, 415]);
  /** Ops and discovery: 200 with `reply`; `failure` adds the 503 of a store that cannot answer; `api`: served behind the API router's checks. */
  const plain = (reply: Named | { type: 'object' }, summary: string, description: string, failure = false, api = false) => ({
    summary,
    description,
    responses: {
      '200': { description: summary, content: { 'application/json': { schema: typeof reply === 'string' ? ref(reply) : reply } } },
      ...(failure ? { '503': failed } : {}),
      ...(api ? apiRefusals : {}),
    },
  });
  /** Admin API: an administrator's session that satisfied the admin policy, recently (403 admin_required, step_up_required). */
  const adminOp = (reply: Named, summary: string, description: string, extra: Record<string, unknown> = {}) => ({ ...account(reply, summary, description, extra), tags: ['admin'] });
  const userParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'User id (base64url)' }];
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
    servers: config.acceptedOrigins.map((url) => ({ url })),
    paths: {
      '/attestation/options': {
        post: ceremony(
          'RegistrationOptionsReply', 'Start a registration',
          'Creation options for navigator.credentials.create(). A new username registers a new account; an existing one only from a session signed in as it (adding a key: recent sign-in needed, else 403 step_up_required), otherwise 409 username_taken. Creates an anonymous session cookie if needed.',
          { requestBody: body(registrationOptionsRequest) },
        ),
      },
      '/attestation/result': { post: ceremony('RegistrationResultReply', 'Finish a registration', 'Consumes the pending challenge, verifies the attestation and stores the credential; a new user is signed in.', { requestBody: body(registrationResultRequest) }) },
      '/link/options': {
        post: ceremony(
          'RegistrationOptionsReply', 'Start a registration through a one-time link',
          '`{ link }` (the secret from the link\'s `#link=` fragment, from `npm run create-admin` or POST /admin/users/{id}/recovery-link) → creation options for the link\'s user, without a signed-in session; UV required and the user\'s role policy applies. Finish with POST /attestation/result: the link is taken then (404 link_not_found if it was used, replaced or expired), a recovery link ends the user\'s other sessions, and the user is signed in with the new key.',
          { requestBody: body(linkOptionsRequest) },
        ),
      },
      '/assertion/options': { post: ceremony('AuthenticationOptionsReply', 'Start an authentication', 'Request options for navigator.credentials.get(); no username (or no body) = discoverable credential.', { requestBody: body(authenticationOptionsRequest, false) }) },
      '/assertion/result': { post: ceremony('AuthenticationResultReply', 'Finish an authentication', 'Consumes the pending challenge, verifies the assertion and signs the user in (session rotated).', { requestBody: body(authenticationResultRequest) }) },
      '/session': {
        get: op(
          'SessionReply', 'Am I signed in',
          '`signedIn`, `passwordLogin`, `tokenAudiences` (what POST /token issues for) and `approval` (APPROVAL: sign-in approval from a signed-in device); when signed in, the user and the session with what the sign-in proved: `amr` (RFC 8176), `acr`, `authTime`, `recovery`; when half signed in, `pendingSignIn: { username, stage, next, expiresAt }`. Never 401.',
        ),
      },
      '/login/password': {
        post: ceremony(
          'NextStepsReply', 'Sign in with a password (first factor)',
          'PASSWORD_LOGIN=true only (else 403 password_login_disabled). A correct password opens a half sign-in and answers `next`: what can complete it (webauthn = /assertion/options + /assertion/result, totp, sms / email = /login/oob/send + /login/oob, recovery_code), or ["enrol"] for an account with no second factor yet. Unknown user and wrong password give the same 401 invalid_credentials. 429 locked_out after LOCKOUT_THRESHOLD failures.',
          { requestBody: body(passwordLoginRequest) },
        ),
      },
      '/login/totp': { post: ceremony('CodeSignInReply', 'Complete a sign-in with an authenticator-app code', 'RFC 6238, ±1 step; each step once (401 code_already_used). 401 no_pending_sign_in, invalid_code; 404 totp_not_enrolled; 429 locked_out. Signs in (session rotated): amr pwd + otp + mfa.', { requestBody: body(codeRequest) }) },
      '/login/recovery-code': {
        post: ceremony('CodeSignInReply', 'Complete a sign-in with a recovery code', 'Each code once. 401 no_pending_sign_in, invalid_code; 429 locked_out. Signs in at the lower recovery acr (amr pwd + kba + mfa); the reply\'s `recovery: { remaining, addNewKey }` asks the user to add a new key.', { requestBody: body(codeRequest) }),
      },
      '/login/oob/send': {
        post: ceremony(
          'OobSendReply', 'Send a one-time code by SMS or email',
          'For the half sign-in of this session (`next` listed `sms` or `email`). OOB_CHANNELS only (403 oob_channel_disabled); 403 policy_violation (rule secondFactors) when the role does not count the channel; 404 oob_not_enrolled without a verified destination; 429 locked_out (with Retry-After) while the account or the client IP is locked out, nothing sent; 429 code_send_limited (per user and destination 1 per 30 s and 5 per hour, per IP OOB_IP_SENDS_PER_HOUR) with Retry-After; 503 delivery_failed when the message could not be handed over (the code is withdrawn; the reply never says why). A new code (6 digits, 5 minutes, bound to this half sign-in) replaces any earlier one. `to` is the destination masked.',
          { requestBody: body(oobSendRequest) },
        ),
      },
      '/login/oob': {
        post: ceremony(
          'CodeSignInReply', 'Complete a sign-in with a code sent by SMS or email',
          'The code last sent for this half sign-in, once. 401 no_pending_sign_in; 401 no_pending_code (none sent, expired, of another sign-in, already used, or tried 5 times); 401 invalid_code (counted into the lockout); 429 locked_out. Signs in (session rotated) at acr urn:keygate:acr:oob, below TOTP\'s mfa: amr pwd + sms + mfa (SMS) or pwd + otp + mfa (email).',
          { requestBody: body(codeRequest) },
        ),
      },
      ...approvalPaths({ ceremony, account, body, refusals }),
      '/signup/password': {
        post: ceremony('NextStepsReply', 'Create an account with a password', 'PASSWORD_LOGIN=true only. 400 weak_password (8-128 characters, not the username), invalid_username; 409 username_taken. The session may then only enrol a second factor (TOTP, or a key via /attestation/*); confirming it signs in.', { requestBody: body(passwordSignupRequest) }),
      },
      '/account/factors': { get: account('FactorsReply', 'My sign-in methods', '`{ password, webauthn: N, totp, recoveryCodes: { remaining }, sms, email (masked, or null), oobChannels }`. Also for a sign-up\'s enrolment session.') },
      '/account/password': { put: account('Ok', 'Set or change my password', 'Step-up; 400 weak_password; 403 password_login_disabled. Ends my other sessions.', { requestBody: body(newPasswordRequest) }) },
      '/account/totp': {
        post: account('TotpEnrolmentReply', 'Start adding an authenticator app', 'Step-up (or a sign-up\'s enrolment session). `{ otpauthUri, qrCode (PNG data URL), secret (base32) }`, shown once; confirm within 10 minutes.'),
        delete: account('Ok', 'Remove the authenticator app', 'Step-up; 404 totp_not_enrolled; 409 last_factor when it is the last way to complete a sign-in; 409 account_busy.'),
      },
      '/account/totp/confirm': { post: account('FactorConfirmReply', 'Confirm the authenticator app', 'The first valid code activates it (that step counts as used). 400 invalid_confirmation_code; 409 no_pending_totp. For an enrolment session: signs in (`signedIn: true, session`).', { requestBody: body(codeRequest) }) },
      '/account/oob': {
        post: account('OobEnrolmentReply', 'Start adding a phone number or email address for codes', 'Step-up (or a sign-up\'s enrolment session). `{ channel, destination }`: sms takes a mobile number in international format, normalised to E.164 (libphonenumber-js; landline, premium-rate and toll-free numbers refused), email an address: else 400 invalid_destination. 403 oob_channel_disabled, policy_violation (rule secondFactors); 429 code_send_limited; 503 delivery_failed. A first code is sent; confirm within 5 minutes.', { requestBody: body(oobEnrolRequest) }),
      },
      '/account/oob/confirm': { post: account('FactorConfirmReply', 'Confirm a phone number or email address', 'The first code sent to it verifies it (5 tries). 400 invalid_confirmation_code; 409 no_pending_oob. For an enrolment session: signs in (`signedIn: true, session`).', { requestBody: body(oobConfirmRequest) }) },
      '/account/oob/{channel}': {
        delete: account('Ok', 'Remove the phone number or email address for codes', 'Step-up; 404 oob_not_enrolled; 409 last_factor when it is the last way to complete a sign-in; 409 account_busy.', { parameters: [{ name: 'channel', in: 'path', required: true, schema: { type: 'string', enum: ['sms', 'email'] } }] }),
      },
      '/account/recovery-codes': { post: account('RecoveryCodesReply', 'Generate recovery codes', 'Step-up. `{ codes: [10 × "XXXX-XXXX-XXXX"] }`, shown once; replaces every earlier code.') },
      '/account/me': { get: account('MeReply', 'Who am I', 'The signed-in user and session (401 not_signed_in otherwise).') },
      '/account/credentials': { get: account('CredentialsReply', 'List my credentials', 'Security keys and passkeys of the signed-in user.') },
      '/account/credentials/{id}': {
        patch: account('Ok', 'Rename a credential', 'Renames one of the caller\'s credentials (404 credential_not_found for any other id).', { parameters: idParam, requestBody: body(renameCredentialRequest) }),
        delete: account('Ok', 'Remove a credential', 'Removes one of the caller\'s credentials (404 credential_not_found for any other id); step-up (403 step_up_required); never the account\'s last way to complete a sign-in (409 last_factor); 409 account_busy while another removal runs. Ends the other sessions signed in with it.', { parameters: idParam }),
      },
      '/session/logout': { post: op('Ok', 'Sign out', 'Ends the session and clears the cookie.') },
      '/session/logout-others': { post: account('LogoutOthersReply', 'Sign out everywhere else', 'Ends every other session of the signed-in user; `{ ended: N }`.') },
      '/account/activity': {
        get: account('ActivityReply', 'My recent activity', 'The signed-in user\'s own audit events, newest first: `{ events: [{ id, type, at, outcome, code?, credentialId?, ip?, userAgent? }], next? }`. Query: `limit` (1-100, default 20), `before` (the previous page\'s `next`), `type` (e.g. `authentication.failed`), `from` / `to` (ISO 8601, [from, to)). Events older than AUDIT_RETENTION_DAYS are gone.', { parameters: query(activityQuery) }),
      },
      '/dev/messages': {
        get: op('DevMessagesReply', 'Messages the development adapter kept', 'Only with DELIVERY=dev (refused in production; 404 otherwise): the SMS and email messages keygate sent, texts and codes included, newest first, for the demo\'s developer panel.'),
      },
      ...adminPaths({ adminOp, query, body, idParam, userParam }),
      '/token': {
        post: account(
          'TokenReply', 'Exchange this sign-in for a JWT',
          '`{ audience, txn? }` → `{ token, expiresIn }`. audience from TOKEN_AUDIENCES (400 invalid_audience); the sign-in at most TOKEN_MAX_AUTH_AGE_SECONDS old (403 sign_in_too_old); one token per sign-in and audience (409 token_already_issued). Claims: iss, sub, aud, iat, nbf, exp, jti, auth_time, amr, acr, txn. Verify it with the JWKS at /.well-known/jwks.json.',
          { requestBody: body(tokenRequest) },
        ),
      },
      '/token/revoke': {
        post: op(
          'Ok', 'Revoke a token (RFC 7009)',
          '`{ jti }` or `{ token }`, form-encoded or JSON. With the session cookie: the user\'s own tokens (404 unknown_token otherwise). With the introspection client (HTTP Basic or client_id/client_secret): any token; unknown ones answer ok too.',
          { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': body(tokenReferenceRequest).content['application/json'], 'application/json': body(tokenReferenceRequest).content['application/json'] } } },
        ),
      },
      '/token/introspect': {
        post: op(
          'IntrospectionReply', 'Introspect a token (RFC 7662)',
          'Client authentication with INTROSPECTION_CLIENT_ID / _SECRET (HTTP Basic or in the body; 401 invalid_client). `{ active: true, ...claims }` for a valid, unrevoked keygate token; `{ active: false }` for revoked, expired, tampered, unknown-key or foreign tokens.',
          { requestBody: { required: true, content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties: { token: { type: 'string' } }, required: ['token'] } }, 'application/json': body(tokenReferenceRequest).content['application/json'] } } },
        ),
      },
      '/.well-known/jwks.json': { get: plain('Jwks', 'Token-signing public keys', 'JWKS (RFC 7517): every key that signs now, will sign soon, or signed tokens that have not expired yet. Cache-Control max-age JWKS_MAX_AGE_SECONDS.', true, true) },
      '/.well-known/openid-configuration': { get: plain('Discovery', 'Discovery', 'issuer, jwks_uri, token, introspection and revocation endpoints, supported algorithms, so standard JWT libraries verify keygate tokens.', false, true) },
      '/.well-known/webauthn': {
        get: {
          summary: 'Related origins',
          description:
            'WebAuthn Level 3 §5.11: `{ "origins": [...] }`, the origins outside RP_ID\'s domain allowed to use RP_ID (RELATED_ORIGINS, then RP_ORIGINS); browsers fetch it from https://RP_ID/.well-known/webauthn and honour at most 5 registrable-domain labels. Cache-Control max-age 3600. ' +
            'Served only when RELATED_ORIGINS is set; otherwise the request goes on as an unknown path (the API router\'s refusals, then 404 not_found).',
          responses: {
            '200': { description: 'The related-origins document.', content: { 'application/json': { schema: ref('WebauthnOrigins') } } },
            ...apiRefusals,
            '404': failed,
          },
        },
      },
      '/healthz': { get: plain('Health', 'Liveness', 'The process is up: `{ "status": "ok" }`.') },
      '/readyz': { get: plain('Ready', 'Readiness', 'The store is reachable and a signing key is ready: `{ "status": "ok", "store": "memory" | "mongo" }`; 503 store_unavailable otherwise.', true) },
      '/openapi.json': { get: plain({ type: 'object' }, 'This document', 'OpenAPI 3.1.') },
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
            // Not served on this port: the request falls through to the API router (its refusals) and the generic 404.
            ...apiRefusals,
            '404': failed,
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      responses: { Failed: { description: 'Refused; see `code`.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Failed' } } } } },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: sessionCookieName(config) },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
      },
    },
  };
}
