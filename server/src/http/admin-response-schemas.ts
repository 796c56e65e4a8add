import { z } from 'zod';
import { base64url, isoDate, reply } from './reply-parts.js';
import { activityEvent, credentialView } from './response-schemas.js';

/** The replies of the admin API (/admin/): part of response-schemas.ts's contract. */
export const adminUserView = z.object({ id: base64url, username: z.string(), displayName: z.string(), role: z.string(), createdAt: isoDate });

/** keygate's attestation verdict (attestation/attestation-trust.ts); null for a credential registered before verdicts existed (not trusted). */
export const attestationVerdictView = z.object({
  trusted: z.boolean(),
  source: z.enum(['anchor', 'mds', 'dev']).nullable().describe('What the chain reached: a TRUST_ANCHORS root, an MDS3 root for its AAGUID, or the dev policy\'s Chrome virtual authenticator'),
  anchor: z.string().nullable().describe('Subject and SHA-256 fingerprint of the root that matched'),
  reason: z.string(),
  certificateSubject: z.string().nullable(),
  evaluatedAt: isoDate,
});

export const mdsStatusView = z.object({ listed: z.boolean(), status: z.string().nullable(), effectiveDate: z.string().nullable(), refused: z.boolean() });
export const policyVerdictView = z.object({ ok: z.boolean(), rule: z.string().nullable().describe('The first rule of the role policy the credential fails'), detail: z.string().nullable() });

/** A credential as administrators see it: the account view, its owner, the attestation facts and the policy verdict now. */
export const adminCredentialView = credentialView.extend({
  userId: base64url,
  attestation: attestationVerdictView.nullable(),
  mds: mdsStatusView,
  policy: policyVerdictView,
  disabledBy: z.enum(['admin', 'policy']).nullable(),
  disabledReason: z.string().nullable(),
  disabledAt: isoDate.nullable(),
});

export const adminAuditEvent = activityEvent.extend({ userId: z.string().optional(), requestId: z.string().optional(), data: z.record(z.string(), z.unknown()).optional() });

export const adminUsersReply = reply({ users: z.array(adminUserView), next: z.string().optional().describe('Pass as `after` for the next page') });
export const adminUserReply = reply({ user: adminUserView, credentials: z.array(adminCredentialView) });
export const adminCredentialReply = reply({ credential: adminCredentialView });
export const adminCredentialsReply = reply({ credentials: z.array(adminCredentialView) });
export const adminLinkReply = reply({ url: z.string().describe('Give it to the user over a trusted channel: it registers one key, once'), expiresAt: isoDate });
export const adminAuditReply = reply({ events: z.array(adminAuditEvent).describe('Newest first'), next: z.string().optional() });
export const adminMdsReply = reply({
  configured: z.boolean(),
  source: z.string().nullable(),
  no: z.number().int().nullable().describe('The BLOB number in use'),
  nextUpdate: z.string().nullable(),
  entries: z.number().int().nonnegative(),
  storedAt: isoDate.nullable(),
  lastRefresh: z.object({ at: isoDate, no: z.number().int().nullable(), error: z.string().nullable() }).nullable(),
});


export type AdminCredentialView = z.output<typeof adminCredentialView>;
export type AdminUserView = z.output<typeof adminUserView>;
export type AdminAuditEventView = z.output<typeof adminAuditEvent>;
