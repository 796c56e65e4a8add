import { parse as parseCookieHeader } from 'cookie';
import type { Request, Response } from 'express';
import type { Config } from '../../config/config-schema.js';
import { sessionCookieSigner } from '../../sessions/session-cookie-signer.js';
import type { Session } from '../../storage/ports.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** The verified session id of each request (null: none), computed on first use. */
const verified = new WeakMap<Request, string | null>();

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
 * malformed. Parsed and checked (SESSION_SECRET) the first time a route asks, once per
 * request: requests that never look at a session (probes, JWKS, the demo's files, 404s) do
 * not pay for it.
 */
export function sessionIdOf(req: Request, config: Config): string | undefined {
  let id = verified.get(req);
  if (id === undefined) verified.set(req, (id = readSessionCookie(req, config) ?? null));
  return id ?? undefined;
}

function readSessionCookie(req: Request, config: Config): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const raw = parseCookieHeader(header)[sessionCookieName(config)];
  if (raw === undefined || !raw.startsWith('s:')) return undefined;
  const id = sessionCookieSigner(config).verify(raw.slice(2));
  return id !== undefined && SESSION_ID.test(id) ? id : undefined;
}

/**
 * Sets the session cookie: signed, HttpOnly, SameSite=Lax (a cross-site POST never carries
 * it), Secure over https. A signed-in session lasts SESSION_TTL_SECONDS; an anonymous one
 * ends with the browser session.
 */
export function setSessionCookie(res: Response, config: Config, id: string, session?: Session): void {
  res.cookie(sessionCookieName(config), `s:${sessionCookieSigner(config).sign(id)}`, {
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
