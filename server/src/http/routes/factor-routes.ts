import { Router, type Request } from 'express';
import type { Deps } from '../../deps.js';
import type { AccountActor } from '../../ceremonies/account-actor.js';
import { changePassword } from '../../ceremonies/change-password.js';
import { requireUser } from '../../ceremonies/manage-credentials.js';
import { regenerateRecoveryCodes } from '../../ceremonies/manage-recovery-codes.js';
import { confirmTotp, enrolTotp, removeTotp } from '../../ceremonies/manage-totp.js';
import { confirmOob, enrolOob, removeOob } from '../../ceremonies/manage-oob.js';
import { maskDestination } from '../../factors/oob/oob-destination.js';
import { countsSecondFactor, OOB_FACTORS } from '../../policy/second-factor-policy.js';
import { loadFactorSet } from '../../factors/load-factor-set.js';
import { parseInput } from '../../lib/parse-input.js';
import { currentSession } from '../../sessions/session-service.js';
import { stillEnrolling } from '../../ceremonies/sign-in-attempt.js';
import { sessionIdOf, setSessionCookie } from '../middleware/session-cookie.js';
import { codeRequest, newPasswordRequest, oobChannel, oobConfirmRequest, oobEnrolRequest } from '../request-schemas.js';
import { sessionView } from '../session-view.js';

const OK = { status: 'ok', errorMessage: '' } as const;

/**
 * The account's factors: `GET /account/factors`, `PUT /account/password`,
 * `POST /account/totp` + `/account/totp/confirm`, `DELETE /account/totp`,
 * `POST /account/oob` + `/account/oob/confirm`, `DELETE /account/oob/{channel}` (SMS and email codes),
 * `POST /account/recovery-codes`. All need a signed-in session (401 `not_signed_in`) and,
 * for changes, step-up (policy/step-up.ts); a password sign-up's enrolment session may
 * use the first three reads/steps of TOTP enrolment and GET /account/factors only.
 */
export function factorRoutes(deps: Deps): Router {
  const r = Router();
  const signedIn = async (req: Request) => {
    const session = await currentSession(deps, sessionIdOf(req, deps.config));
    return { session: session!, user: await requireUser(deps, session) };
  };
  /** A signed-in session, or else an enrolment half sign-in; 401 `not_signed_in` otherwise. */
  const actor = async (req: Request): Promise<AccountActor> => {
    const sessionId = sessionIdOf(req, deps.config);
    const session = await currentSession(deps, sessionId);
    const attempt = !session && sessionId ? await deps.store.signInAttempts.get(sessionId, deps.clock.now()) : undefined;
    if (attempt?.stage === 'enrol' && (await stillEnrolling(deps, attempt))) {
      const user = await deps.store.users.findById(attempt.userId);
      if (user) return { kind: 'enrolment', attempt, user };
    }
    return { kind: 'session', session: session!, user: await requireUser(deps, session) };
  };

  r.get('/account/factors', async (req, res) => {
    const { user } = await actor(req);
    const { factors, credentials, destinations } = await loadFactorSet(deps, user.id);
    const verified = (c: 'sms' | 'email') => {
      const d = destinations?.[c]?.active?.destination;
      return d === undefined ? null : maskDestination(c, d);
    };
    const policy = deps.policies.forRole(user.role);
    const oobChannels = OOB_FACTORS.filter((c) => countsSecondFactor(policy, c, deps.config.oobChannels) && deps.delivery?.channels.includes(c));
    res.json({ ...OK, password: factors.password, webauthn: credentials.length, totp: factors.totp, recoveryCodes: { remaining: factors.recoveryCodes }, sms: verified('sms'), email: verified('email'), oobChannels });
  });

  r.put('/account/password', async (req, res) => {
    const { newPassword } = parseInput(newPasswordRequest, req.body);
    await changePassword(deps, { ...(await signedIn(req)), ip: req.ip }, newPassword);
    res.json(OK);
  });

  r.post('/account/totp', async (req, res) => {
    res.json({ ...OK, ...(await enrolTotp(deps, await actor(req))) });
  });

  r.post('/account/totp/confirm', async (req, res) => {
    const { code } = parseInput(codeRequest, req.body);
    const { session } = await confirmTotp(deps, await actor(req), code);
    if (session) setSessionCookie(res, deps.config, session.id, session);
    res.json({ ...OK, signedIn: session !== undefined, ...(session ? { session: sessionView(session) } : {}) });
  });

  r.delete('/account/totp', async (req, res) => {
    const { session, user } = await signedIn(req);
    await removeTotp(deps, { session, ip: req.ip }, user.id);
    res.json(OK);
  });

  r.post('/account/oob', async (req, res) => {
    const input = parseInput(oobEnrolRequest, req.body);
    res.json({ ...OK, ...(await enrolOob(deps, await actor(req), input, req.ip)) });
  });

  r.post('/account/oob/confirm', async (req, res) => {
    const input = parseInput(oobConfirmRequest, req.body);
    const { session } = await confirmOob(deps, await actor(req), input, req.ip);
    if (session) setSessionCookie(res, deps.config, session.id, session);
    res.json({ ...OK, signedIn: session !== undefined, ...(session ? { session: sessionView(session) } : {}) });
  });

  r.delete('/account/oob/:channel', async (req, res) => {
    const channel = parseInput(oobChannel, req.params.channel);
    const { session, user } = await signedIn(req);
    await removeOob(deps, { session, ip: req.ip }, user.id, channel);
    res.json(OK);
  });

  r.post('/account/recovery-codes', async (req, res) => {
    const { session, user } = await signedIn(req);
    res.json({ ...OK, ...(await regenerateRecoveryCodes(deps, { session, ip: req.ip }, user.id)) });
  });

  return r;
}
