import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { listCredentials, renameCredential, requireUser } from '../../ceremonies/manage-credentials.js';
import { removeCredential } from '../../ceremonies/remove-credential.js';
import { currentSession, signOut } from '../../sessions/session-service.js';
import { credentialView } from '../credential-view.js';
import { clearSessionCookie, sessionIdOf } from '../middleware/session-cookie.js';
import { parseInput } from '../../lib/parse-input.js';
import { activityQuery, renameCredentialRequest } from '../request-schemas.js';
import { activityCursor, activityView } from '../activity-view.js';
import type { Session, User } from '../../storage/ports.js';
import { loadFactorSet } from '../../factors/load-factor-set.js';
import { nextSteps } from '../../policy/factor-rules.js';
import { recordEvent } from '../../audit/record-event.js';
import { pendingSignInView, sessionView, userView } from '../session-view.js';

/**
 * Account API on the session cookie: `GET /session` (signed in or not), `GET /account/me`, `GET /account/credentials`,
 * `PATCH|DELETE /account/credentials/:id`, `GET /account/activity` (the user's own audit trail,
 * newest first, paged), `POST /session/logout`, `POST /session/logout-others`.
 */
export function accountRoutes(deps: Deps): Router {
  const r = Router();
  /** The caller's session and user; 401 `not_signed_in` without them. */
  const signedIn = async (req: Parameters<typeof sessionIdOf>[0]) => {
    const session = await currentSession(deps, sessionIdOf(req, deps.config));
    return { session: session!, user: await requireUser(deps, session) };
  };

  // Whether this browser is signed in, without a 401 for anonymous visitors (the demo asks on every page).
  r.get('/session', async (req, res) => {
    const sessionId = sessionIdOf(req, deps.config);
    const session = await currentSession(deps, sessionId);
    const u = session && (await deps.store.users.findById(session.userId));
    const passwordLogin = deps.config.passwordLogin;
    const tokenAudiences = deps.config.tokenAudiences;
    const approval = deps.config.approval;
    if (!session || !u) {
      const attempt = sessionId ? await deps.store.signInAttempts.get(sessionId, deps.clock.now()) : undefined;
      const pending = attempt && pendingSignInView(attempt, attempt.stage === 'enrol' ? ['enrol'] : nextSteps((await loadFactorSet(deps, attempt.userId)).factors));
      res.json({ status: 'ok', errorMessage: '', signedIn: false, passwordLogin, tokenAudiences, approval, ...(pending ? { pendingSignIn: pending } : {}) });
      return;
    }
    res.json({ status: 'ok', errorMessage: '', signedIn: true, passwordLogin, tokenAudiences, approval, ...meView(u, session) });
  });

  r.get('/account/me', async (req, res) => {
    const { session, user } = await signedIn(req);
    res.json({ status: 'ok', errorMessage: '', ...meView(user, session) });
  });

  r.get('/account/credentials', async (req, res) => {
    const creds = await listCredentials(deps, (await signedIn(req)).user);
    res.json({ status: 'ok', errorMessage: '', credentials: creds.map((c) => credentialView(c, deps.trust)) });
  });

  r.patch('/account/credentials/:id', async (req, res) => {
    const { name } = parseInput(renameCredentialRequest, req.body);
    await renameCredential(deps, (await signedIn(req)).user, req.params.id as string, name);
    res.json({ status: 'ok', errorMessage: '' });
  });

  r.delete('/account/credentials/:id', async (req, res) => {
    await removeCredential(deps, { ...(await signedIn(req)), ip: req.ip }, req.params.id as string);
    res.json({ status: 'ok', errorMessage: '' });
  });

  // Sign out everywhere else: every other session of this user ends (a lost laptop, a shared computer).
  r.post('/session/logout-others', async (req, res) => {
    const { session, user } = await signedIn(req);
    const ended = await deps.store.sessions.deleteByUser(user.id, session.id);
    await recordEvent(deps, { type: 'session.logout_others', outcome: 'success', userId: user.id, ip: req.ip, data: { ended } });
    res.json({ status: 'ok', errorMessage: '', ended });
  });

  r.get('/account/activity', async (req, res) => {
    const { user } = await signedIn(req);
    const q = parseInput(activityQuery, req.query);
    const events = await deps.store.audit.list({ userId: user.id, type: q.type, from: q.from, to: q.to, before: q.before, limit: q.limit + 1, now: deps.clock.now() });
    const page = events.slice(0, q.limit);
    const last = page[page.length - 1];
    res.json({ status: 'ok', errorMessage: '', events: page.map(activityView), ...(events.length > q.limit && last ? { next: activityCursor(last) } : {}) });
  });

  r.post('/session/logout', async (req, res) => {
    const sessionId = sessionIdOf(req, deps.config);
    const session = await currentSession(deps, sessionId);
    if (session) await recordEvent(deps, { type: 'session.logout', outcome: 'success', userId: session.userId });
    await signOut(deps, sessionId);
    clearSessionCookie(res, deps.config);
    res.json({ status: 'ok', errorMessage: '' });
  });

  return r;
}

function meView(u: User, session: Session) {
  return { user: userView(u), session: sessionView(session) };
}
