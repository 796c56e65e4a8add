import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { finishAuthentication } from '../../ceremonies/finish-authentication.js';
import { finishRegistration } from '../../ceremonies/finish-registration.js';
import { startAuthentication } from '../../ceremonies/start-authentication.js';
import { startRegistration } from '../../ceremonies/start-registration.js';
import { currentSession, newSessionId, signIn } from '../../sessions/session-service.js';
import { parseBody } from '../parse-body.js';
import { authenticationOptionsRequest, authenticationResultRequest, registrationOptionsRequest, registrationResultRequest } from '../request-schemas.js';
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
    const input = parseBody(registrationOptionsRequest, req.body);
    const sessionId = ensureSession(deps, req, res);
    const session = await currentSession(deps, sessionIdOf(req));
    const options = await startRegistration(deps, { sessionId, signedInUserId: session?.userId }, input);
    res.json({ ...OK, ...options });
  });

  r.post('/attestation/result', async (req, res) => {
    const response = parseBody(registrationResultRequest, req.body);
    const sessionId = sessionIdOf(req);
    const signedIn = await currentSession(deps, sessionId);
    const result = await finishRegistration(deps, { sessionId, signedInUserId: signedIn?.userId, ip: req.ip }, withExtensionResults(response));
    if (result.newUser) {
      const session = await signIn(deps, sessionId, { userId: result.userId, credentialId: result.credential.id, userVerified: result.verified.userVerified });
      setSessionCookie(res, deps.config, session.id, session);
    }
    res.json({ ...OK, ...describeRegistration(result, deps.config.nodeEnv !== 'production') });
  });

  r.post('/assertion/options', async (req, res) => {
    const input = parseBody(authenticationOptionsRequest, req.body);
    const sessionId = ensureSession(deps, req, res);
    const options = await startAuthentication(deps, { sessionId }, input);
    res.json({ ...OK, ...options });
  });

  r.post('/assertion/result', async (req, res) => {
    const response = parseBody(authenticationResultRequest, req.body);
    const sessionId = sessionIdOf(req);
    const userHandle = response.response.userHandle || undefined;
    const result = await finishAuthentication(deps, { sessionId, ip: req.ip }, withExtensionResults({ ...response, response: { ...response.response, userHandle } }));
    // A successful assertion signs the user in under a fresh session id (rotation).
    const session = await signIn(deps, sessionId, { userId: result.user.id, credentialId: result.credential.id, userVerified: result.verified.userVerified });
    setSessionCookie(res, deps.config, session.id, session);
    res.json({ ...OK, ...describeAuthentication(result, deps.config.nodeEnv !== 'production') });
  });

  return r;
}

/** The caller's session id, creating an anonymous one (and its cookie) if needed. */
function ensureSession(deps: Deps, req: Request, res: Response): string {
  const existing = sessionIdOf(req);
  if (existing) return existing;
  const id = newSessionId(deps);
  setSessionCookie(res, deps.config, id);
  return id;
}

/** Accepts the FIDO conformance tools' `getClientExtensionResults` as `clientExtensionResults`. */
function withExtensionResults<T extends { clientExtensionResults?: Record<string, unknown>; getClientExtensionResults?: Record<string, unknown> }>(
  r: T,
): Omit<T, 'getClientExtensionResults'> & { clientExtensionResults: Record<string, unknown> } {
  const { getClientExtensionResults, ...rest } = r;
  return { ...rest, clientExtensionResults: r.clientExtensionResults ?? getClientExtensionResults ?? {} };
}
