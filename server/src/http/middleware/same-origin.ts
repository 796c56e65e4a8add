import type { Request, RequestHandler } from 'express';
import { ForbiddenError } from '../../errors/keygate-error.js';

/**
 * CSRF defence for cookie-authenticated calls: a browser always sends `Origin` on a
 * non-GET fetch, so a request whose Origin is present and not one of RP_ORIGINS is refused
 * (`origin_not_allowed`). Non-browser clients that send no Origin are not affected (they
 * carry no ambient cookies an attacker could ride on). Throws; returns nothing otherwise.
 */
export function originCheck(origins: readonly string[]): (req: Request) => void {
  const allowed = new Set(origins);
  const list = origins.join(', ');
  return (req) => {
    const origin = req.headers.origin;
    if (origin !== undefined && req.method !== 'GET' && req.method !== 'HEAD' && !allowed.has(origin)) {
      throw new ForbiddenError('origin_not_allowed', `Origin ${origin} is not one of ${list}`);
    }
  };
}

/** `originCheck` as a middleware. */
export function sameOrigin(origins: readonly string[]): RequestHandler {
  const check = originCheck(origins);
  return (req, _res, next) => {
    check(req);
    next();
  };
}
