import type { RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { clientKey } from '../../policy/client-key.js';
import { enforceRateLimit } from '../../policy/rate-limit.js';

/**
 * Applies the per-IP ceremony rate limit (policy/rate-limit.ts) to the routes it guards.
 * The client is `req.ip` (which honours TRUST_PROXY), IPv6 counted per /64 (clientKey).
 */
export function ceremonyRateLimit(deps: Deps): RequestHandler {
  return async (req, _res, next) => {
    await enforceRateLimit(deps, 'ceremony', clientKey(req.ip));
    next();
  };
}
