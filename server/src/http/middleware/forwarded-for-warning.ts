import type { RequestHandler } from 'express';
import type { Logger } from '../../lib/logger.js';

/**
 * With TRUST_PROXY=false, X-Forwarded-For is ignored: every client behind a proxy then shares
 * the proxy's IP for rate limits, lockouts and the audit trail. The first request that carries
 * the header logs one warning per app saying so (the header's value is not logged); later ones
 * pass silently. Mount only when no proxy is trusted.
 */
export function warnOnUntrustedForwardedFor(logger: Logger): RequestHandler {
  let warned = false;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn(
        { clientIp: req.ip },
        'X-Forwarded-For arrived but TRUST_PROXY=false: it is ignored, so every client behind that proxy shares one IP for rate limits, lockouts and the audit trail. Set TRUST_PROXY to the proxy hop count or addresses.',
      );
    }
    next();
  };
}
