import type { InspectedCredential } from '../admin/inspect-users.js';
import type { AuditEvent, User } from '../storage/ports.js';
import { activityView } from './activity-view.js';
import { credentialView, type ModelNames } from './credential-view.js';
import type { AdminAuditEventView, AdminCredentialView, AdminUserView } from './admin-response-schemas.js';

/** A user as the admin API lists them. */
export function adminUserView(u: User): AdminUserView {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role ?? 'user', createdAt: u.createdAt.toISOString() };
}

/** A credential with its attestation facts, its MDS3 status and its owner's policy verdict now; never key material or attestation bytes. */
export function adminCredentialView(i: InspectedCredential, names: ModelNames): AdminCredentialView {
  const c = i.credential;
  const a = c.attestation;
  return {
    ...credentialView(c, names),
    userId: c.userId,
    attestation: a
      ? { trusted: a.trusted, source: a.source ?? null, anchor: a.anchor ?? null, reason: a.reason, certificateSubject: a.certificateSubject ?? null, evaluatedAt: a.evaluatedAt.toISOString() }
      : null,
    mds: { listed: i.mds.listed, status: i.mds.status ?? null, effectiveDate: i.mds.effectiveDate ?? null, refused: i.mds.refused },
    policy: i.policy.ok ? { ok: true, rule: null, detail: null } : { ok: false, rule: i.policy.rule, detail: i.policy.detail },
    disabledBy: c.disabledBy ?? null,
    disabledReason: c.disabledReason ?? null,
    disabledAt: c.disabledAt?.toISOString() ?? null,
  };
}

/** An audit event as administrators see it: what its user sees (activity-view.ts), plus whose it is, the request id and its data (detail is already scrubbed at write time). */
export function adminAuditEventView(e: AuditEvent): AdminAuditEventView {
  return {
    ...activityView(e),
    ...(e.userId !== undefined ? { userId: e.userId } : {}),
    ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
    ...(e.data !== undefined ? { data: e.data } : {}),
  };
}
