import { z } from 'zod';
import { hasForbiddenCharacters } from '../policy/username.js';

/**
 * Request bodies of the FIDO2 server API's options calls ("Server Requirements and Transport
 * Binding Profile" §7.3.1, §7.4.1) and of the account API. The ceremony results
 * (PublicKeyCredential JSON) are validated by the ceremonies themselves, after consuming
 * the challenge: see ceremonies/response-schemas.ts.
 */
const userVerification = z.enum(['required', 'preferred', 'discouraged']);
const extensions = z.record(z.string(), z.unknown());

export const registrationOptionsRequest = z.object({
  username: z.string().max(256),
  displayName: z.string().max(256).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: userVerification.optional(),
    })
    .optional(),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
  extensions: extensions.optional(),
});

export const authenticationOptionsRequest = z.object({
  username: z.string().max(256).optional(),
  userVerification: userVerification.optional(),
  extensions: extensions.optional(),
});

export const renameCredentialRequest = z.object({
  name: z.string().trim().min(1).max(64).refine((n) => !hasForbiddenCharacters(n), 'must not contain invisible or control characters'),
});

/** Passwords are length-checked by policy (weak_password), not here; the cap keeps hashing bounded. */
const password = z.string().max(1024);
const code = z.string().max(64);

export const passwordLoginRequest = z.object({ username: z.string().max(256), password });
export const passwordSignupRequest = z.object({ username: z.string().max(256), password, displayName: z.string().max(256).optional() });
export const codeRequest = z.object({ code });
/** One-time codes by SMS or email (issue 10). */
export const oobChannel = z.enum(['sms', 'email']);
export const oobSendRequest = z.object({ channel: oobChannel });
export const oobEnrolRequest = z.object({
  channel: oobChannel,
  destination: z.string().max(320).describe('sms: a mobile number in international format (+ and the country code), normalised to E.164; email: an address'),
});
export const oobConfirmRequest = z.object({ channel: oobChannel, code });
export const newPasswordRequest = z.object({ newPassword: password });

export const tokenRequest = z.object({
  audience: z.string().min(1).max(256),
  /** Transaction id echoed as `txn` (RFC 8417 style): printable, bounded. */
  txn: z.string().min(1).max(256).refine((t) => !hasForbiddenCharacters(t), 'must not contain invisible or control characters').optional(),
});
/** RFC 7009 / 7662 bodies (form-encoded or JSON): `token`, or keygate's `jti`; client credentials may come in the body (client_secret_post). */
export const tokenReferenceRequest = z
  .object({
    token: z.string().min(1).max(8192).optional(),
    token_type_hint: z.string().max(64).optional(),
    jti: z.string().min(1).max(256).optional(),
    client_id: z.string().max(256).optional(),
    client_secret: z.string().max(1024).optional(),
  })
  .refine((b) => b.token !== undefined || b.jti !== undefined, 'needs token or jti');

/**
 * GET /account/activity query: `limit` 1-100 (default 20), `before` the `next` cursor of the
 * previous page (`<epoch ms>.<event id>`), `type` one event type, `from`/`to` ISO 8601 times.
 */
export const activityQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z
    .string()
    .regex(/^\d{1,15}\.[A-Za-z0-9_-]{1,64}$/, 'must be the `next` cursor of a previous page')
    .transform((c) => ({ at: new Date(Number(c.slice(0, c.indexOf('.')))), id: c.slice(c.indexOf('.') + 1) }))
    .optional(),
  type: z.string().regex(/^[a-z_]{1,40}\.[a-z_]{1,40}$/, 'must be an event type such as authentication.failed').optional(),
  from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  to: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
}).strict();

// ---- Administration (/admin/) and one-time links -----------------------------------------

const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'must be a role name such as user or admin');

/** GET /admin/users: a page by username, optionally filtered. */
export const adminUsersQuery = z.object({
  search: z.string().trim().min(1).max(64).optional(),
  role: roleName.optional(),
  after: z.string().max(256).optional().describe('The previous page\'s `next`: the last username it listed'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
}).strict();

/** GET /admin/audit: the account activity query, for any user (or all). */
export const adminAuditQuery = activityQuery.extend({ userId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a user id').optional() }).strict();

export const setRoleRequest = z.object({ role: roleName }).strict();
export const adminReasonRequest = z.object({ reason: z.string().trim().min(1).max(200).refine((t) => !hasForbiddenCharacters(t), 'must not contain invisible or control characters').optional() }).strict();

/** POST /link/options: the secret from the link's `#link=` fragment, and the options request's hints. */
export const linkOptionsRequest = registrationOptionsRequest.omit({ username: true, displayName: true }).extend({
  link: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the secret from a keygate link'),
});

/** POST /account/approvals/{id}/options: the number the approver picked. */
export const approvalNumberRequest = z.object({ number: z.number().int().min(0).max(99) }).strict();
/** POST /account/approvals/{id}/deny: "this was not me" also ends the requesting half sign-in. */
export const approvalDenyRequest = z.object({ notMe: z.boolean().optional() }).strict();
