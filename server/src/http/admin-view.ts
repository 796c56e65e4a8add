import type { InspectedCredential } from '../admin/inspect-users.js';
import type { AuditEvent, User } from '../storage/ports.js';
import { credentialView, type ModelNames } from './credential-view.js';
import type { AdminAuditEventView, AdminCredentialView, AdminUserView } from './response-schemas.js';

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

/** An audit event as administrators see it: everything recorded (detail is already scrubbed at write time). */
export function adminAuditEventView(e: AuditEvent): AdminAuditEventView {
  return {
    id: e.id,
    type: e.type,
    at: e.at.toISOString(),
    outcome: e.outcome,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.userId !== undefined ? { userId: e.userId } : {}),
    ...(e.credentialId !== undefined ? { credentialId: e.credentialId } : {}),
    ...(e.ip !== undefined ? { ip: e.ip } : {}),
    ...(e.userAgent !== undefined ? { userAgent: e.userAgent } : {}),
    ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
    ...(e.data !== undefined ? { data: e.data } : {}),
  };
}
