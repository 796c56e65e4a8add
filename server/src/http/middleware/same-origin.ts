import type { RequestHandler } from 'express';
import { ForbiddenError } from '../../errors/keygate-error.js';

/**
 * CSRF defence for cookie-authenticated calls: a browser always sends `Origin` on a
 * non-GET fetch, so a request whose Origin is present and not one of RP_ORIGINS is refused
 * (`origin_not_allowed`). Non-browser clients that send no Origin are not affected (they
 * carry no ambient cookies an attacker could ride on).
 */
export function sameOrigin(origins: readonly string[]): RequestHandler {
  return (req, _res, next) => {
    const origin = req.headers.origin;
    if (req.method !== 'GET' && req.method !== 'HEAD' && origin !== undefined && !origins.includes(origin)) {
      throw new ForbiddenError('origin_not_allowed', `Origin ${origin} is not one of ${origins.join(', ')}`);
    }
    next();
  };
}
