import type { RequestHandler } from 'express';
import { countCeremony } from './ceremony-routes.js';
import type { Metrics } from './metrics.js';
import { onResponseDone } from './on-response-done.js';
import { routeLabel } from './route-label.js';

/**
 * Observes every request once its response is over: latency into
 * `keygate_http_request_duration_seconds{method, route, status_class}` and, for ceremony
 * endpoints, the outcome into `keygate_ceremonies_*_total` with the error `code` the error
 * mapper left in `res.locals.errorCode`. Mount it before everything else so the time covers
 * the whole chain; aborted requests count in latency only.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    onResponseDone(res, (aborted) => {
      const route = routeLabel(req, res);
      end({ method: req.method, route, status_class: aborted ? 'aborted' : `${Math.floor(res.statusCode / 100)}xx` });
      if (!aborted) countCeremony(metrics, req.method, route, res.statusCode, errorCodeOf(res.locals));
    });
    next();
  };
}

/** The stable error code the error mapper answered with, if any. */
export function errorCodeOf(locals: Record<string, unknown>): string | undefined {
  return typeof locals.errorCode === 'string' ? locals.errorCode : undefined;
}
