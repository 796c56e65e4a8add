import type { RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { enforceRateLimit } from '../../policy/rate-limit.js';

/**
 * Applies the per-IP ceremony rate limit (policy/rate-limit.ts) to the routes it guards.
 * The client IP is `req.ip`, which honours TRUST_PROXY.
 */
export function ceremonyRateLimit(deps: Deps): RequestHandler {
  return async (req, _res, next) => {
    await enforceRateLimit(deps, 'ceremony', req.ip ?? 'unknown');
    next();
  };
}
