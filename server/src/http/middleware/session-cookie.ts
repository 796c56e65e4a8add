import type { Request, Response } from 'express';
import type { Config } from '../../config/config-schema.js';
import type { Session } from '../../storage/ports.js';

/** Name of keygate's session cookie. */
export const SESSION_COOKIE = 'keygate.sid';
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session id from the signed cookie, or `undefined` when absent, unsigned, tampered or
 * malformed (cookie-parser verifies the signature with SESSION_SECRET).
 */
export function sessionIdOf(req: Request): string | undefined {
  const v: unknown = req.signedCookies?.[SESSION_COOKIE];
  return typeof v === 'string' && SESSION_ID.test(v) ? v : undefined;
}

/**
 * Sets the session cookie: signed, HttpOnly, SameSite=Lax (a cross-site POST never carries
 * it), Secure when the relying party is served over https. A signed-in session lasts
 * SESSION_TTL_SECONDS; an anonymous one ends with the browser session.
 */
export function setSessionCookie(res: Response, config: Config, id: string, session?: Session): void {
  res.cookie(SESSION_COOKIE, id, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: config.rpOrigins.every((o) => o.startsWith('https:')),
    path: '/',
    ...(session ? { expires: session.expiresAt } : {}),
  });
}

export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: config.rpOrigins.every((o) => o.startsWith('https:')) });
}
