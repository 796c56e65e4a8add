import type { Session, SignInAttempt, User } from '../storage/ports.js';
import type { NextStep } from '../policy/factor-rules.js';
import type { PendingSignInView, SessionView, UserView } from './response-schemas.js';

/** A signed-in session as replies show it: who, and what the sign-in proved (amr/acr) and when. */
export function sessionView(session: Session): SessionView {
  return {
    authenticatedAt: session.authenticatedAt.toISOString(),
    /** JWT-style auth_time: seconds since the epoch. */
    authTime: Math.floor(session.authenticatedAt.getTime() / 1000),
    amr: session.amr,
    acr: session.acr,
    userVerified: session.amr.includes('user'),
    credentialId: session.credentialId ?? null,
    recovery: session.recovery === true,
    expiresAt: session.expiresAt.toISOString(),
  };
}

export function userView(u: User): UserView {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role ?? 'user' };
}

/** A half sign-in as GET /session shows it (no ids: the cookie is the handle). */
export function pendingSignInView(a: SignInAttempt, next: NextStep[]): PendingSignInView {
  return { username: a.username, stage: a.stage, next, expiresAt: a.expiresAt.toISOString() };
}
