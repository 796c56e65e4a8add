import type { RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { clientKey } from '../../rate-limiting/client-key.js';
import { PrepaidHits } from '../../rate-limiting/prepaid-hits.js';
import { enforceRateLimit } from '../../rate-limiting/enforce-rate-limit.js';

/** Requests that start a ceremony: their one follow-up (the result) is counted with them. */
const CEREMONY_STARTS = new Set(['/assertion/options', '/attestation/options']);

/**
 * Applies the per-IP ceremony rate limit (rate-limiting/enforce-rate-limit.ts counts, the
 * decision is policy/rate-limit.ts) to the routes it guards, before the body is parsed
 * (malformed floods count too). The client is `req.ip` (which
 * honours TRUST_PROXY), IPv6 counted per /64 (clientKey). A ceremony start counts its result
 * request with it, in one store round trip (rate-limiting/prepaid-hits.ts).
 */
export function ceremonyRateLimit(deps: Deps): RequestHandler {
  const book = new PrepaidHits();
  return async (req, _res, next) => {
    const starts = req.method === 'POST' && CEREMONY_STARTS.has(req.baseUrl + req.path);
    await enforceRateLimit(deps, 'ceremony', clientKey(req.ip), { book, followUps: starts ? 1 : 0 });
    next();
  };
}
