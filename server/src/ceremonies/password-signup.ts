import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { ConflictError } from '../errors/keygate-error.js';
import { hashPassword } from '../factors/password/password-hasher.js';
import { randomId } from '../lib/random.js';
import { checkNewPassword } from '../policy/password-rules.js';
import { normalizeDisplayName, normalizeUsername } from '../policy/username.js';
import { newSessionId } from '../sessions/session-service.js';
import { requirePasswordLogin } from './password-login.js';
import { openSignInAttempt } from './sign-in-attempt.js';

/**
 * POST /signup/password: a new account that starts from a password. The user and the hash
 * are written (user first, so a taken username writes nothing: `username_taken`), then a
 * half sign-in at stage `enrol` opens under a fresh session id: that session may only enrol
 * a second factor (TOTP, or a key through /attestation/*), and the account cannot sign in
 * until one is confirmed (a later password sign-in lands at `enrol` again).
 */
export async function signUpWithPassword(
  deps: Deps,
  ctx: { ip?: string },
  input: { username: string; password: string; displayName?: string },
): Promise<{ sessionId: string; next: ['enrol'] }> {
  requirePasswordLogin(deps);
  const username = normalizeUsername(input.username);
  const password = checkNewPassword(input.password, username);
  if (await deps.store.users.findByUsername(username)) {
    throw new ConflictError('username_taken', `username ${username} exists`, { variant: 'signInInstead' });
  }
  const hash = await hashPassword(password);
  const user = { id: randomId(deps.random, 32), username, displayName: normalizeDisplayName(input.displayName, username), createdAt: deps.clock.now() };
  await deps.store.users.insert(user);
  try {
    await deps.store.passwords.set({ userId: user.id, hash, updatedAt: deps.clock.now() });
  } catch (err) {
    await deps.store.users.delete(user.id).catch(() => undefined); // no username left behind without a way in
    throw err;
  }
  const sessionId = newSessionId(deps);
  await openSignInAttempt(deps, sessionId, user, 'enrol');
  await recordEvent(deps, { type: 'signup.password', outcome: 'success', userId: user.id, ip: ctx.ip });
  return { sessionId, next: ['enrol'] };
}
