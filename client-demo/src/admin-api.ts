/**
 * keygate's administration API (/admin/) as the demo's admin page uses it; the same contract
 * as api.ts (resolves with the reply on `status: "ok"`, rejects with an `ApiError`).
 *
 * Every call needs an administrator's session at the admin acr (urn:keygate:acr:phrh),
 * signed in at most STEP_UP_MAX_AGE_SECONDS ago: otherwise 403 `admin_required` (not an
 * admin, or a sign-in too weak for administration) or 403 `step_up_required` (sign in again
 * with the key: the admin page retries through withStepUp).
 */
import { call, query } from './api.js';
import type {
  AdminAuditQuery,
  AdminAuditReply,
  AdminCredentialReply,
  AdminCredentialsReply,
  AdminLinkReply,
  AdminMdsReply,
  AdminUserReply,
  AdminUsersQuery,
  AdminUsersReply,
  OkReply,
} from './api-types.js';

export type AdminCredentialAction = 'disable' | 'enable' | 'clear-clone-flag';

const id = encodeURIComponent;
const params = <Q extends object>(q: Q) => query(q as Record<string, string | number | undefined>);

export const adminApi = {
  /** A page of users by username; `search` matches part of the username or display name, `next` goes on as `after`. */
  users: (q: AdminUsersQuery = {}) => call<AdminUsersReply>('GET', `/admin/users${params(q)}`),
  /** One user and every credential with keygate's verdicts now. */
  user: (userId: string) => call<AdminUserReply>('GET', `/admin/users/${id(userId)}`),
  setRole: (userId: string, role: string) => call<AdminUserReply>('PUT', `/admin/users/${id(userId)}/role`, { role }),
  /** A one-time link that registers one key for the user (and ends their other sessions when used). */
  recoveryLink: (userId: string) => call<AdminLinkReply>('POST', `/admin/users/${id(userId)}/recovery-link`, {}),
  credentialAction: (credentialId: string, action: AdminCredentialAction, reason?: string) =>
    call<AdminCredentialReply>('POST', `/admin/credentials/${id(credentialId)}/${action}`, reason ? { reason } : {}),
  deleteCredential: (credentialId: string) => call<OkReply>('DELETE', `/admin/credentials/${id(credentialId)}`),
  /** Credentials that re-evaluation disabled (a newer MDS BLOB, a stricter policy). */
  policyDisabled: () => call<AdminCredentialsReply>('GET', '/admin/credentials/policy-disabled'),
  /** Audit events, newest first; pass `next` back as `before` for older ones. */
  audit: (q: AdminAuditQuery = {}) => call<AdminAuditReply>('GET', `/admin/audit${params(q)}`),
  mds: () => call<AdminMdsReply>('GET', '/admin/mds'),
};
