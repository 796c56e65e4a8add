import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { loginWithPassword } from '../../ceremonies/password-login.js';
import { signUpWithPassword } from '../../ceremonies/password-signup.js';
import { loginWithRecoveryCode, loginWithTotp } from '../../ceremonies/second-factor-login.js';
import { loginWithOobCode, sendSignInCode } from '../../ceremonies/oob-login.js';
import { parseInput } from '../../lib/parse-input.js';
import { currentSession } from '../../sessions/session-service.js';
import { sessionIdOf, setSessionCookie } from '../middleware/session-cookie.js';
import { codeRequest, oobSendRequest, passwordLoginRequest, passwordSignupRequest } from '../request-schemas.js';
import { sessionView, userView } from '../session-view.js';

const OK = { status: 'ok', errorMessage: '' } as const;

/**
 * Sign-in with a password and a second factor (ceremonies/password-login.ts,
 * second-factor-login.ts, oob-login.ts): `POST /login/password` opens a half sign-in and lists what can
 * complete it; `POST /login/totp`, `POST /login/recovery-code` and `POST /login/oob` (after
 * `POST /login/oob/send` sent a code by SMS or email) complete it (so do
 * /assertion/options + /assertion/result with a key); `POST /signup/password` creates an
 * account that must enrol a second factor before it can sign in.
 */
export function loginRoutes(deps: Deps): Router {
  const r = Router();

  r.post('/login/password', async (req, res) => {
    const input = parseInput(passwordLoginRequest, req.body);
    const sessionId = sessionIdOf(req, deps.config);
    const signedIn = (await currentSession(deps, sessionId)) !== undefined;
    const result = await loginWithPassword(deps, { sessionId, signedIn, ip: req.ip }, input);
    if (result.sessionId !== sessionId) setSessionCookie(res, deps.config, result.sessionId);
    res.json({ ...OK, next: result.next });
  });

  r.post('/login/totp', async (req, res) => {
    const { code } = parseInput(codeRequest, req.body);
    const result = await loginWithTotp(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip }, code);
    setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, user: userView(result.user), session: sessionView(result.session) });
  });

  r.post('/login/recovery-code', async (req, res) => {
    const { code } = parseInput(codeRequest, req.body);
    const result = await loginWithRecoveryCode(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip }, code);
    setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, user: userView(result.user), session: sessionView(result.session), recovery: result.recovery });
  });

  r.post('/login/oob/send', async (req, res) => {
    const { channel } = parseInput(oobSendRequest, req.body);
    res.json({ ...OK, ...(await sendSignInCode(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip }, channel)) });
  });

  r.post('/login/oob', async (req, res) => {
    const { code } = parseInput(codeRequest, req.body);
    const result = await loginWithOobCode(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip }, code);
    setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, user: userView(result.user), session: sessionView(result.session) });
  });

  r.post('/signup/password', async (req, res) => {
    const input = parseInput(passwordSignupRequest, req.body);
    const result = await signUpWithPassword(deps, { ip: req.ip }, input);
    setSessionCookie(res, deps.config, result.sessionId);
    res.json({ ...OK, next: result.next });
  });

  return r;
}
