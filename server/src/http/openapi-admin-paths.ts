import type { z } from 'zod';
import type { Named } from './openapi-document.js';
import { adminAuditQuery, adminReasonRequest, adminUsersQuery, setRoleRequest } from './request-schemas.js';

type Op = (reply: Named, summary: string, description: string, extra?: Record<string, unknown>) => Record<string, unknown>;
type Param = { name: string; in: string; required: boolean; schema: unknown; description?: string };

/**
 * The admin API's paths in the OpenAPI document (openapi-document.ts builds the rest and
 * passes its helpers: `adminOp` is an account operation tagged `admin`).
 */
export function adminPaths(h: {
  adminOp: Op;
  query: (schema: z.ZodObject) => Param[];
  body: (schema: z.ZodType, required?: boolean) => Record<string, unknown>;
  idParam: Param[];
  userParam: Param[];
}) {
  const { adminOp, query, body, idParam, userParam } = h;
  return {
    '/admin/users': {
      get: adminOp('AdminUsersReply', 'List users', 'By username ascending; `search` (username or display name, case-insensitive), `role`, `after` (the previous page\'s `next`), `limit` (1-100, default 50).', { parameters: query(adminUsersQuery) }),
    },
    '/admin/users/{id}': {
      get: adminOp('AdminUserReply', 'A user and their credentials', 'Each credential with its attestation facts (keygate\'s verdict: trusted, the anchor that matched), its MDS3 status, and its owner\'s role-policy verdict now (`policy.rule`: the first rule it fails).', { parameters: userParam }),
    },
    '/admin/users/{id}/role': {
      put: adminOp('AdminUserReply', 'Set a user\'s role', '`{ role }`: a role the policies define (400 invalid_request otherwise). The user\'s sessions end. Audited (admin.role_changed).', { parameters: userParam, requestBody: body(setRoleRequest) }),
    },
    '/admin/users/{id}/recovery-link': {
      post: adminOp('AdminLinkReply', 'Issue a recovery link', 'Support-assisted recovery for a user who lost every factor: a one-time link (ONE_TIME_LINK_TTL_SECONDS) that registers one new key and ends the user\'s other sessions; it replaces any earlier link. Audited.', { parameters: userParam }),
    },
    '/admin/credentials/{id}/disable': {
      post: adminOp('AdminCredentialReply', 'Disable a credential', '`{ reason? }`. It cannot sign in, its sessions end; re-evaluation never re-enables it. Audited.', { parameters: idParam, requestBody: body(adminReasonRequest, false) }),
    },
    '/admin/credentials/{id}/enable': {
      post: adminOp('AdminCredentialReply', 'Enable a credential', 'Clears an administrator\'s or policy\'s disable (policy still refuses a credential that fails it at its next sign-in). Audited.', { parameters: idParam, requestBody: body(adminReasonRequest, false) }),
    },
    '/admin/credentials/{id}/clear-clone-flag': {
      post: adminOp('AdminCredentialReply', 'Clear a possibly-cloned flag', 'After review: the key may sign in again, its counter continuing from the stored value. Audited.', { parameters: idParam, requestBody: body(adminReasonRequest, false) }),
    },
    '/admin/credentials/{id}': {
      delete: adminOp('Ok', 'Delete a credential', 'Any user\'s; its sessions end. Audited.', { parameters: idParam }),
    },
    '/admin/credentials/policy-disabled': {
      get: adminOp('AdminCredentialsReply', 'Credentials policy disabled', 'What re-evaluation disabled (a model refused by a newer MDS3 BLOB, a stricter policy), at most 100.'),
    },
    '/admin/audit': {
      get: adminOp('AdminAuditReply', 'Query the audit log', 'Newest first; `userId`, `type`, `from` / `to`, `before` (cursor), `limit` (1-100, default 20). Events carry their `data` (detail scrubbed at write time).', { parameters: query(adminAuditQuery) }),
    },
    '/admin/mds': {
      get: adminOp('AdminMdsReply', 'FIDO MDS3 status', 'The BLOB in use (number, nextUpdate, entries, when stored) and the last refresh attempt of any instance, with its error (a bad signature, a `no` not above the cached one, a fetch failure).'),
    },
  };
}
