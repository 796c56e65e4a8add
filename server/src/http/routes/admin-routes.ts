import { Router, type Request } from 'express';
import type { Deps } from '../../deps.js';
import { adminCredentialAction, type AdminCredentialAction } from '../../admin/manage-credentials.js';
import { inspectCredential, inspectUser, listUsers, policyDisabledCredentials, setUserRole } from '../../admin/inspect-users.js';
import { issueLink } from '../../admin/one-time-links.js';
import { recordEvent } from '../../audit/record-event.js';
import { requireUser } from '../../ceremonies/manage-credentials.js';
import { BadRequestError, NotFoundError } from '../../errors/keygate-error.js';
import { parseInput } from '../../lib/parse-input.js';
import { requireAdminSession } from '../../policy/admin-access.js';
import { currentSession } from '../../sessions/session-service.js';
import type { User } from '../../storage/ports.js';
import { activityCursor } from '../activity-view.js';
import { adminAuditEventView, adminCredentialView, adminUserView } from '../admin-view.js';
import { sessionIdOf } from '../middleware/session-cookie.js';
import { adminAuditQuery, adminReasonRequest, adminUsersQuery, setRoleRequest } from '../request-schemas.js';

const OK = { status: 'ok', errorMessage: '' } as const;

/**
 * The admin API (issue 8 point 5) under /admin/. Every call needs an administrator's session
 * that satisfied the admin policy, signed in at most STEP_UP_MAX_AGE_SECONDS ago
 * (policy/admin-access.ts: 401 not_signed_in, 403 admin_required, 403 step_up_required);
 * every change is audited with the administrator as `data.by`.
 */
export function adminRoutes(deps: Deps): Router {
  const r = Router();
  const admin = async (req: Request): Promise<User> => {
    const session = await currentSession(deps, sessionIdOf(req, deps.config));
    const user = await requireUser(deps, session);
    requireAdminSession(session!, user, deps.clock.now(), deps.config.stepUpMaxAgeSeconds, deps.policies);
    return user;
  };

  r.get('/admin/users', async (req, res) => {
    await admin(req);
    const q = parseInput(adminUsersQuery, req.query);
    const { users, next } = await listUsers(deps, { search: q.search, role: q.role, afterUsername: q.after, limit: q.limit });
    res.json({ ...OK, users: users.map(adminUserView), ...(next !== undefined ? { next } : {}) });
  });

  r.get('/admin/users/:id', async (req, res) => {
    await admin(req);
    const { user, credentials } = await inspectUser(deps, req.params.id as string);
    res.json({ ...OK, user: adminUserView(user), credentials: credentials.map((c) => adminCredentialView(c, deps.trust)) });
  });

  r.put('/admin/users/:id/role', async (req, res) => {
    const by = await admin(req);
    const { role } = parseInput(setRoleRequest, req.body);
    if (!deps.policies.knows(role)) {
      throw new BadRequestError('invalid_request', `role ${role} is not defined by the policies (${Object.keys(deps.policies.roles).join(', ')})`, { variant: 'field', params: { field: 'role', problem: 'is not a role the policy defines' } });
    }
    const user = await setUserRole(deps, by, req.params.id as string, role);
    res.json({ ...OK, user: adminUserView(user), credentials: (await inspectUser(deps, user.id)).credentials.map((c) => adminCredentialView(c, deps.trust)) });
  });

  // Support-assisted recovery: a one-time link that registers one key and ends the user's other sessions when used.
  r.post('/admin/users/:id/recovery-link', async (req, res) => {
    const by = await admin(req);
    const userId = req.params.id as string;
    if (!(await deps.store.users.findById(userId))) throw new NotFoundError('unknown_user', `no user ${userId}`, { variant: 'deleted' });
    const link = await issueLink(deps, { userId, purpose: 'recovery', createdBy: by.id });
    await recordEvent(deps, { type: 'admin.recovery_link_issued', outcome: 'success', userId, data: { by: by.id, expiresAt: link.expiresAt.toISOString() } });
    res.json({ ...OK, url: link.url, expiresAt: link.expiresAt.toISOString() });
  });

  const action = (path: string, what: AdminCredentialAction) =>
    r.post(`/admin/credentials/:id/${path}`, async (req, res) => {
      const by = await admin(req);
      const { reason } = parseInput(adminReasonRequest, req.body ?? {});
      const credential = await adminCredentialAction(deps, by, req.params.id as string, what, reason);
      res.json({ ...OK, credential: adminCredentialView(inspectCredential(deps, await deps.store.users.findById(credential!.userId), credential!), deps.trust) });
    });
  action('disable', 'disable');
  action('enable', 'enable');
  action('clear-clone-flag', 'clear_clone_flag');

  r.delete('/admin/credentials/:id', async (req, res) => {
    const by = await admin(req);
    await adminCredentialAction(deps, by, req.params.id as string, 'delete');
    res.json(OK);
  });

  // What re-evaluation disabled (a refused model in a newer BLOB, a stricter policy).
  r.get('/admin/credentials/policy-disabled', async (req, res) => {
    await admin(req);
    const found = await policyDisabledCredentials(deps, 100);
    res.json({ ...OK, credentials: found.map((c) => adminCredentialView(c, deps.trust)) });
  });

  r.get('/admin/audit', async (req, res) => {
    await admin(req);
    const q = parseInput(adminAuditQuery, req.query);
    const events = await deps.store.audit.list({ userId: q.userId, type: q.type, from: q.from, to: q.to, before: q.before, limit: q.limit + 1, now: deps.clock.now() });
    const page = events.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({ ...OK, events: page.map(adminAuditEventView), ...(events.length > q.limit && last ? { next: activityCursor(last) } : {}) });
  });

  r.get('/admin/mds', async (req, res) => {
    await admin(req);
    const s = await deps.metadata.status();
    res.json({
      ...OK,
      configured: s.configured,
      source: s.source ?? null,
      no: s.no ?? null,
      nextUpdate: s.nextUpdate ?? null,
      entries: s.entries,
      storedAt: s.storedAt?.toISOString() ?? null,
      lastRefresh: s.lastRefresh ? { at: s.lastRefresh.at.toISOString(), no: s.lastRefresh.no ?? null, error: s.lastRefresh.error ?? null } : null,
    });
  });

  return r;
}
