import type { Request, Response } from 'express';
import { withLogContext, type Logger } from '../../lib/logger.js';

/**
 * With TRUST_PROXY=false, X-Forwarded-For is ignored: every client behind a proxy then shares
 * the proxy's IP for rate limits, lockouts and the audit trail. The first request that carries
 * the header logs one warning per app saying so (the header's value is not logged, the line
 * carries the request's id); later ones pass silently. Use only when no proxy is trusted;
 * call it after the request id is set (observe-requests.ts `prepare`).
 */
export function untrustedForwardedForWarning(logger: Logger): (req: Request, res: Response) => void {
  let warned = false;
  return (req, res) => {
    if (warned || req.headers['x-forwarded-for'] === undefined) return;
    warned = true;
    withLogContext({ reqId: res.locals.requestId as string }, () =>
      logger.warn(
        { clientIp: req.ip },
        'X-Forwarded-For arrived but TRUST_PROXY=false: it is ignored, so every client behind that proxy shares one IP for rate limits, lockouts and the audit trail. Set TRUST_PROXY to the proxy hop count or addresses.',
      ),
    );
  };
}
