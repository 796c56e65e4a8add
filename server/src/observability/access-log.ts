import { performance } from 'node:perf_hooks';
import type { RequestHandler } from 'express';
import type { Logger } from '../lib/logger.js';
import { errorCodeOf } from './http-metrics.js';
import { onResponseDone } from './on-response-done.js';
import { routeLabel } from './route-label.js';

/** Probes and scrapes that succeed are logged at debug: a load balancer polling every few seconds would drown the log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One access-log line per request, written when its response is over:
 * `{ reqId, method, route, status, durationMs, code? , aborted? }` at info (5xx at warn; successful probes and scrapes at debug).
 * `route` is the matched pattern, never the raw path or query; the line never holds the
 * body, the Cookie or Authorization header, or anything else the client sent.
 * Mount it after `requestId`.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const t0 = performance.now();
    onResponseDone(res, (aborted) => {
      const route = routeLabel(req, res);
      const line = {
        reqId: res.locals.requestId as string | undefined,
        method: req.method,
        route,
        status: res.statusCode,
        durationMs: Math.round((performance.now() - t0) * 10) / 10,
        ...(errorCodeOf(res.locals) ? { code: errorCodeOf(res.locals) } : {}),
        ...(aborted ? { aborted: true } : {}),
      };
      if (res.statusCode >= 500) logger.warn(line, 'request');
      else if (res.statusCode < 400 && QUIET_ROUTES.has(route)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
