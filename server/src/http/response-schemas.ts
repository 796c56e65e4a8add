import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors/error-catalogue.js';

/**
 * The shapes of keygate's replies, one zod schema per reply. They are the single source of:
 *  - the response schemas of the OpenAPI document (http/openapi-document.ts, through
 *    `z.toJSONSchema`, objects closed with `additionalProperties: false`),
 *  - the return types of the view functions that build replies (credential-view.ts,
 *    session-view.ts, activity-view.ts, describe-ceremony.ts: a field added there without
 *    a schema does not compile),
 *  - the demo's API types (client-demo/src/api-types.ts imports the inferred types).
 * test/helpers/openapi-check.ts validates every reply of the integration suite against the
 * document, so a reply that drifts from these schemas fails a test.
 *
 * The admin API's replies are in admin-response-schemas.ts, sign-in approval's in
 * approval-response-schemas.ts. Contract for these files: they import only zod, the error
 * catalogue and each other (the demo's type check reads them), and every reply of the ceremony and account calls carries `status: "ok"` and an
 * empty `errorMessage` (FIDO "Server Requirements and Transport Binding Profile" §7).
 */
import { base64url, isoDate, ok, reply } from './reply-parts.js';

export const okReply = z.object(ok).describe('Done; nothing else to say.');

// ---- What replies are made of ----------------------------------------------------------

export const credentialKind = z.enum(['security_key', 'device_passkey', 'synced_passkey']);

/** A credential as the account API shows it: no key material, no attestation bytes. */
export const credentialView = z.object({
  id: base64url,
  name: z.string(),
  kind: credentialKind,
  model: z.string().nullable().describe('Authenticator model from its AAGUID, when keygate knows it'),
  aaguid: z.string(),
  fmt: z.string().describe('Attestation statement format'),
  transports: z.array(z.string()),
  createdAt: isoDate,
  lastUsedAt: isoDate.nullable(),
  counter: z.number().int().nonnegative(),
  backupEligible: z.boolean(),
  backedUp: z.boolean(),
  discoverable: z.boolean().nullable().describe('From credProps; null when the browser did not say'),
  userVerified: z.boolean(),
  possiblyCloned: z.boolean(),
  disabled: z.boolean(),
  attestationTrusted: z.boolean().describe('keygate verified the attestation chain to a trusted root for this model'),
  modelClaimed: z.boolean().describe('true: `model` is only what the authenticator claims (its attestation was not trusted)'),
});

export const userView = z.object({ id: base64url, username: z.string(), displayName: z.string(), role: z.string().describe('user, admin, or a role POLICY_FILE defines') });

/** A signed-in session: when and what the sign-in proved (`amr`, RFC 8176) at which level (`acr`). */
export const sessionView = z.object({
  authenticatedAt: isoDate,
  authTime: z.number().int().describe('JWT-style auth_time: seconds since the epoch (the same instant as authenticatedAt)'),
  amr: z.array(z.string()).describe('RFC 8176 methods: pwd, hwk, swk, user, pin, otp, sms, kba, mca, mfa'),
  acr: z.string().describe('urn:keygate:acr:sf | recovery | oob | mfa | phr | phrh'),
  userVerified: z.boolean(),
  credentialId: base64url.nullable(),
  recovery: z.boolean().describe('Signed in with a recovery code: the user should add a new key'),
  expiresAt: isoDate,
});

export const nextStep = z.enum(['webauthn', 'totp', 'sms', 'email', 'approval', 'recovery_code', 'enrol']);

/** A half sign-in (password accepted, second step missing) as GET /session shows it; no ids (the cookie is the handle). */
export const pendingSignInView = z.object({
  username: z.string(),
  stage: z.enum(['second_factor', 'enrol']),
  next: z.array(nextStep),
  expiresAt: isoDate,
});

export const recoveryInfo = z.object({
  remaining: z.number().int().nonnegative(),
  addNewKey: z.literal(true).describe('The user should register a new key: a recovery code is the last resort'),
});

/** One of the user's own audit events (GET /account/activity): never `detail` or other internals. */
export const activityEvent = z.object({
  id: z.string(),
  type: z.string().describe('e.g. authentication.succeeded, authentication.failed, credential.removed'),
  at: isoDate,
  outcome: z.enum(['success', 'failure']),
  code: z.string().optional().describe('The error code of a failure'),
  credentialId: z.string().optional(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});

export const flags = z.object({ up: z.boolean(), uv: z.boolean(), be: z.boolean(), bs: z.boolean() });

/** Outside production only: what keygate decoded and verified in a registration. */
export const registrationDebug = z.object({
  fmt: z.string(),
  aaguid: z.string(),
  alg: z.number().int(),
  counter: z.number().int().nonnegative(),
  flags,
  attestationCertificate: z.object({ subject: z.string(), issuer: z.string(), notAfter: z.string() }).nullable(),
});

export const authenticationDebug = z.object({ counter: z.number().int().nonnegative(), flags });

const userVerification = z.enum(['required', 'preferred', 'discouraged']);
const descriptor = z.object({ id: base64url, type: z.literal('public-key'), transports: z.array(z.string()).optional() });
const extensions = z.record(z.string(), z.unknown());

// ---- The FIDO2 ceremonies ----------------------------------------------------------------

/** PublicKeyCredentialCreationOptionsJSON (WebAuthn L3 §5.4) + status. */
export const registrationOptionsReply = reply({
  rp: z.object({ name: z.string(), id: z.string() }),
  user: z.object({ id: base64url, name: z.string(), displayName: z.string() }),
  challenge: base64url,
  pubKeyCredParams: z.array(z.object({ type: z.literal('public-key'), alg: z.number().int() })),
  timeout: z.number().int().positive(),
  excludeCredentials: z.array(descriptor),
  authenticatorSelection: z.object({
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    residentKey: z.enum(['discouraged', 'preferred', 'required']),
    requireResidentKey: z.boolean(),
    userVerification,
  }),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']),
  extensions,
});

/** PublicKeyCredentialRequestOptionsJSON (WebAuthn L3 §5.5) + status. */
export const authenticationOptionsReply = reply({
  challenge: base64url,
  timeout: z.number().int().positive(),
  rpId: z.string(),
  allowCredentials: z.array(descriptor),
  userVerification,
  extensions,
});

export const registrationResultReply = reply({
  userId: base64url,
  credential: credentialView,
  session: sessionView.optional().describe('A new account is signed in'),
  debug: registrationDebug.optional(),
});

export const authenticationResultReply = reply({
  user: userView,
  credential: credentialView,
  session: sessionView,
  debug: authenticationDebug.optional(),
});

// ---- Sessions and the account -------------------------------------------------------------

const sessionCommon = {
  passwordLogin: z.boolean().describe('PASSWORD_LOGIN: whether password sign-in and sign-up are on'),
  tokenAudiences: z.array(z.string()).describe('What POST /token issues for (TOKEN_AUDIENCES)'),
  approval: z.boolean().describe('APPROVAL: whether sign-in approval from a signed-in device is on (GET /account/approvals and the rest answer 403 approval_disabled otherwise)'),
};

/** GET /session: signed in (who, and what the sign-in proved) or not (maybe half signed in). */
export const sessionReply = z.discriminatedUnion('signedIn', [
  reply({ signedIn: z.literal(true), ...sessionCommon, user: userView, session: sessionView }),
  reply({ signedIn: z.literal(false), ...sessionCommon, pendingSignIn: pendingSignInView.optional() }),
]);

export const meReply = reply({ user: userView, session: sessionView });
export const credentialsReply = reply({ credentials: z.array(credentialView) });
export const logoutOthersReply = reply({ ended: z.number().int().nonnegative().describe('How many other sessions ended') });
export const activityReply = reply({
  events: z.array(activityEvent).describe('Newest first'),
  next: z.string().optional().describe('Cursor of the next (older) page: pass it as `before`'),
});

/** GET /dev/messages (DELIVERY=dev only): what the development adapter "sent". */
export const devMessagesReply = reply({
  messages: z.array(z.object({ to: z.string(), channel: z.enum(['sms', 'email']), text: z.string(), subject: z.string().optional(), at: isoDate })).describe('Newest first, at most 50'),
});

// ---- Passwords and second factors ---------------------------------------------------------

export const nextStepsReply = reply({ next: z.array(nextStep).describe('What can complete the sign-in; ["enrol"]: enrol a second factor first') });
export const codeSignInReply = reply({ user: userView, session: sessionView, recovery: recoveryInfo.optional().describe('After a recovery code') });
export const factorsReply = reply({
  password: z.boolean(),
  webauthn: z.number().int().nonnegative().describe('How many security keys and passkeys'),
  totp: z.boolean(),
  recoveryCodes: z.object({ remaining: z.number().int().nonnegative() }),
  sms: z.string().nullable().describe('The verified phone number for sign-in codes, masked; null without one'),
  email: z.string().nullable().describe('The verified email address for sign-in codes, masked; null without one'),
  oobChannels: z.array(z.enum(['sms', 'email'])).describe('The code channels this account may add and use here (enabled by OOB_CHANNELS and counted by its role)'),
});
export const oobSendReply = reply({
  channel: z.enum(['sms', 'email']),
  to: z.string().describe('Where the code went, masked'),
  expiresInSeconds: z.number().int().positive(),
  resendAfterSeconds: z.number().int().nonnegative().describe('The earliest another code may be asked for'),
});
export const oobEnrolmentReply = reply({
  channel: z.enum(['sms', 'email']),
  destination: z.string().describe('The destination as keygate will use it: E.164 for sms'),
  to: z.string().describe('The same, masked'),
  expiresInSeconds: z.number().int().positive(),
});
export const totpEnrolmentReply = reply({
  otpauthUri: z.string().regex(/^otpauth:\/\/totp\//),
  qrCode: z.string().regex(/^data:image\/png;base64,/),
  secret: z.string().regex(/^[A-Z2-7]+=*$/).describe('base32'),
});
/** Confirming a TOTP app or an SMS/email destination with its first code. */
export const factorConfirmReply = reply({ signedIn: z.boolean().describe('An enrolment session is now signed in'), session: sessionView.optional() });
export const recoveryCodesReply = reply({ codes: z.array(z.string()).length(10).describe('Shown once; each usable once') });

// ---- Tokens --------------------------------------------------------------------------------

export const tokenReply = reply({ token: z.string().describe('Compact JWS'), expiresIn: z.number().int().positive().describe('Seconds') });

const claims = {
  iss: z.string(),
  sub: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  jti: z.string(),
  auth_time: z.number().int(),
  amr: z.array(z.string()),
  acr: z.string(),
  txn: z.string().optional(),
};
/** RFC 7662 §2.2. */
export const introspectionReply = z.discriminatedUnion('active', [
  reply({ active: z.literal(true), token_type: z.literal('Bearer'), ...claims }),
  reply({ active: z.literal(false) }),
]);

/** A public JWK (RFC 7517); never a private member. */
const publicJwk = z
  .object({ kty: z.enum(['EC', 'OKP', 'RSA']), kid: z.string(), alg: z.string(), use: z.literal('sig').optional(), crv: z.string().optional(), x: z.string().optional(), y: z.string().optional(), n: z.string().optional(), e: z.string().optional() })
  .describe('Public key: kty, kid, alg, use and the public parameters only');
export const jwksReply = z.object({ keys: z.array(publicJwk) });

export const discoveryReply = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  token_endpoint: z.string(),
  introspection_endpoint: z.string(),
  revocation_endpoint: z.string(),
  introspection_endpoint_auth_methods_supported: z.array(z.string()),
  revocation_endpoint_auth_methods_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  response_types_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  claims_supported: z.array(z.string()),
  acr_values_supported: z.array(z.string()),
});

// ---- Ops -----------------------------------------------------------------------------------

export const healthReply = z.object({ status: z.literal('ok') });
/** WebAuthn Level 3 §5.11 related origins: `GET /.well-known/webauthn`. */
export const webauthnOriginsReply = z.object({ origins: z.array(z.string()).min(1).describe('Origins allowed to use RP_ID: RELATED_ORIGINS, then RP_ORIGINS') });
export const readyReply = z.object({ status: z.literal('ok'), store: z.enum(['memory', 'mongo']) });

// ---- Refusals ------------------------------------------------------------------------------

export const stepUpMethod = z.enum(['webauthn', 'password+webauthn', 'password+totp', 'password+sms', 'password+email', 'password+recovery_code']);
export const stepUpChallenge = z.object({
  accepts: z.array(stepUpMethod).describe("What would satisfy it, in keygate's order of preference"),
  maxAgeSeconds: z.number().int().positive(),
});

/**
 * Every refusal: `status: "failed"`, a user-safe `errorMessage`, the stable `code` (one HTTP
 * status per code, server/src/errors/error-catalogue.ts), the developer `detail` outside
 * production, and the extra fields some codes carry.
 */
export const failedReply = z.object({
  status: z.literal('failed'),
  errorMessage: z.string().min(1).describe('Safe to show to the user'),
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).describe('Stable machine-readable reason'),
  detail: z.string().optional().describe('Developer detail; omitted in production'),
  stepUp: stepUpChallenge.optional().describe('403 step_up_required'),
  retryAfterSeconds: z.number().int().nonnegative().optional().describe('429 locked_out and code_send_limited (also the Retry-After header)'),
  maxAuthAgeSeconds: z.number().int().positive().optional().describe('403 sign_in_too_old: how recent a sign-in POST /token needs'),
  error: z.literal('invalid_client').optional().describe('401 invalid_client (RFC 6749 §5.2)'),
  rule: z.string().optional().describe('403 policy_violation: the role-policy rule that failed (attestationFormats, trustRequired, aaguidDeny, aaguidAllow, mdsStatus, userVerification, syncedAllowed, attachments, transports, secondFactors)'),
});

export type CredentialView = z.output<typeof credentialView>;
export type UserView = z.output<typeof userView>;
export type SessionView = z.output<typeof sessionView>;
export type PendingSignInView = z.output<typeof pendingSignInView>;
export type ActivityEventView = z.output<typeof activityEvent>;
export type RegistrationDebug = z.output<typeof registrationDebug>;
export type AuthenticationDebug = z.output<typeof authenticationDebug>;
