import cookieParser from 'cookie-parser';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config/config-schema.js';
import type { Session } from '../../storage/ports.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** cookie-parser under SESSION_SECRET, one per app's config. */
const parsers = new WeakMap<Config, RequestHandler>();
const noop = () => {};

/**
 * Runs cookie-parser on `req` the first time a route needs the session cookie (it is
 * synchronous): `req.cookies`, `req.signedCookies` (signature checked with SESSION_SECRET)
 * and `req.secret` (which `res.cookie({ signed: true })` signs with) are then exactly what
 * the middleware sets, and requests that never look at a session (probes, JWKS, the demo's
 * files, 404s) do not pay for parsing and checking cookies.
 */
function parseCookies(req: Request, config: Config): void {
  if (req.signedCookies !== undefined) return;
  let parse = parsers.get(config);
  if (!parse) parsers.set(config, (parse = cookieParser(config.sessionSecret)));
  void parse(req, undefined as never, noop);
}

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
 * malformed (cookie-parser, run on first use, verifies the signature with SESSION_SECRET).
 */
export function sessionIdOf(req: Request, config: Config): string | undefined {
  parseCookies(req, config);
  const v: unknown = req.signedCookies?.[sessionCookieName(config)];
  return typeof v === 'string' && SESSION_ID.test(v) ? v : undefined;
}

/**
 * Sets the session cookie: signed, HttpOnly, SameSite=Lax (a cross-site POST never carries
 * it), Secure over https. A signed-in session lasts SESSION_TTL_SECONDS; an anonymous one
 * ends with the browser session.
 */
export function setSessionCookie(res: Response, config: Config, id: string, session?: Session): void {
  parseCookies(res.req, config);
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
