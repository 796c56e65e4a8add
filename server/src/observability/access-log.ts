import type { Logger } from '../lib/logger.js';

/** Probes and scrapes that succeed are logged at debug: a load balancer polling every few seconds would drown the log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** One access-log line: what `observeRequests` knows once a response is over. */
export interface AccessLine {
  reqId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  code?: string;
  aborted?: true;
}

/**
 * Writes the one access-log line of a request, once its response is over:
 * `{ reqId, method, route, status, durationMs, code?, aborted? }` at info (5xx at warn;
 * successful probes and scrapes at debug). `route` is the matched pattern, never the raw
 * path or query; the line never holds the body, the Cookie or Authorization header, or
 * anything else the client sent beyond its method.
 *
 * The lines go through a child of `logger` built once with no redaction paths: every field
 * of the line is named here, none is under REDACT_PATHS, and every value is a string,
 * number or boolean (the wildcard paths `*.x` match only inside objects), so redaction could
 * never change an access line; pino's redaction would still walk its ~60 paths for each of
 * the line's fields (several µs per request). Every other line keeps full redaction.
 */
export function accessLogWriter(logger: Logger): (line: AccessLine) => void {
  const out = logger.child({}, { redact: { paths: [] } });
  return (line) => {
    if (line.status >= 500) out.warn(line, 'request');
    else if (line.status < 400 && QUIET_ROUTES.has(line.route)) out.debug(line, 'request');
    else out.info(line, 'request');
  };
}
