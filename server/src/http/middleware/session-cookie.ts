import type { Request, Response } from 'express';
import type { Config } from '../../config/config-schema.js';
import type { Session } from '../../storage/ports.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The session cookie's name: `__Host-keygate.sid` over https (the prefix makes browsers
 * refuse it unless Secure, Path=/ and without Domain, so a sibling subdomain cannot plant
 * one), `keygate.sid` on plain-http development origins, where the prefix is not allowed.
 */
export function sessionCookieName(config: Config): string {
  return config.httpsOnly ? '__Host-keygate.sid' : 'keygate.sid';
}

/**
 * The session id from the signed cookie, or `undefined` when absent, unsigned, tampered or
 * malformed (cookie-parser verifies the signature with SESSION_SECRET).
 */
export function sessionIdOf(req: Request, config: Config): string | undefined {
  const v: unknown = req.signedCookies?.[sessionCookieName(config)];
  return typeof v === 'string' && SESSION_ID.test(v) ? v : undefined;
}

/**
 * Sets the session cookie: signed, HttpOnly, SameSite=Lax (a cross-site POST never carries
 * it), Secure over https. A signed-in session lasts SESSION_TTL_SECONDS; an anonymous one
 * ends with the browser session.
 */
export function setSessionCookie(res: Response, config: Config, id: string, session?: Session): void {
  res.cookie(sessionCookieName(config), id, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: config.httpsOnly,
    path: '/',
    ...(session ? { expires: session.expiresAt } : {}),
  });
}

/** Tells the browser to drop the session cookie (sign-out). */
export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.httpsOnly });
}
