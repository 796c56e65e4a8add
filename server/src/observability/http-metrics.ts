import { countCeremony } from './ceremony-routes.js';
import type { Metrics } from './metrics.js';

/** Bound on cached label sets (method x route pattern x status class is small; this only guards against surprises). */
const MAX_CACHED_SERIES = 2048;

/**
 * Records one answered (or aborted) request: latency into
 * `keygate_http_request_duration_seconds{method, route, status_class}` and, for ceremony
 * endpoints, the outcome into `keygate_ceremonies_*_total` with the error `code` the error
 * mapper answered; aborted requests count in latency only. `route` is the route label
 * (route-label.ts). Each label set's observer is made once and reused (prom-client's
 * `labels(...)` builds a label object and closures per call).
 */
export function httpMetricsRecorder(metrics: Metrics): (method: string, route: string, status: number, aborted: boolean, seconds: number, code: string | undefined) => void {
  const observers = new Map<string, (seconds: number) => void>();
  return (method, route, status, aborted, seconds, code) => {
    const statusClass = aborted ? 'aborted' : STATUS_CLASS[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;
    const key = `${method} ${statusClass} ${route}`;
    let observe = observers.get(key);
    if (observe === undefined) {
      const child = metrics.httpDuration.labels(method, route, statusClass);
      observe = (s) => child.observe(s);
      if (observers.size < MAX_CACHED_SERIES) observers.set(key, observe);
    }
    observe(seconds);
    if (!aborted) countCeremony(metrics, method, route, status, code);
  };
}

const STATUS_CLASS: Readonly<Record<number, string>> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };

/** The stable error code the error mapper answered with, if any. */
export function errorCodeOf(locals: Record<string, unknown>): string | undefined {
  return typeof locals.errorCode === 'string' ? locals.errorCode : undefined;
}
