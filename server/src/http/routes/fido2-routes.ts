import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { finishAuthentication } from '../../ceremonies/finish-authentication.js';
import { finishRegistration } from '../../ceremonies/finish-registration.js';
import { startAuthentication } from '../../ceremonies/start-authentication.js';
import { startRegistration } from '../../ceremonies/start-registration.js';
import { currentSession, newSessionId } from '../../sessions/session-service.js';
import { parseInput } from '../../lib/parse-input.js';
import { authenticationOptionsRequest, linkOptionsRequest, registrationOptionsRequest } from '../request-schemas.js';
import { startLinkRegistration } from '../../ceremonies/start-link-registration.js';
import { describeAuthentication, describeRegistration } from '../describe-ceremony.js';
import { sessionIdOf, setSessionCookie } from '../middleware/session-cookie.js';

const OK = { status: 'ok', errorMessage: '' } as const;

/**
 * The FIDO2 server API (FIDO Alliance "Server Requirements and Transport Binding Profile"
 * §7): /attestation/options|result and /assertion/options|result. Ceremony state lives in
 * the store under the session cookie's id, so any instance can finish what another started.
 */
export function fido2Routes(deps: Deps): Router {
  const r = Router();

  r.post('/attestation/options', async (req, res) => {
    const input = parseInput(registrationOptionsRequest, req.body);
    const sessionId = ensureSession(deps, req, res);
    const session = await currentSession(deps, sessionIdOf(req, deps.config));
    const options = await startRegistration(deps, { sessionId, session }, input);
    res.json({ ...OK, ...options });
  });

  r.post('/attestation/result', async (req, res) => {
    const sessionId = sessionIdOf(req, deps.config);
    const signedIn = await currentSession(deps, sessionId);
    const result = await finishRegistration(deps, { sessionId, session: signedIn, ip: req.ip }, req.body);
    if (result.session) setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, ...describeRegistration(result, deps.config.developerDetail, deps.trust) });
  });

  // A registration through a one-time link (create-admin, an administrator's recovery link):
  // no session needed; finished by POST /attestation/result like any other.
  r.post('/link/options', async (req, res) => {
    const input = parseInput(linkOptionsRequest, req.body);
    const sessionId = ensureSession(deps, req, res);
    const options = await startLinkRegistration(deps, { sessionId }, input);
    res.json({ ...OK, ...options });
  });

  r.post('/assertion/options', async (req, res) => {
    const input = parseInput(authenticationOptionsRequest, req.body);
    const sessionId = ensureSession(deps, req, res);
    const options = await startAuthentication(deps, { sessionId }, input);
    res.json({ ...OK, ...options });
  });

  r.post('/assertion/result', async (req, res) => {
    const result = await finishAuthentication(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip }, req.body);
    setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, ...describeAuthentication(result, deps.config.developerDetail, deps.trust) });
  });

  return r;
}

/** The caller's session id, creating an anonymous one (and its cookie) if needed. */
function ensureSession(deps: Deps, req: Request, res: Response): string {
  const existing = sessionIdOf(req, deps.config);
  if (existing) return existing;
  const id = newSessionId(deps);
  setSessionCookie(res, deps.config, id);
  return id;
}
