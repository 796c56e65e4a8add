import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** The ceremonies counted by `keygate_ceremonies_*_total` (see ceremony-routes.ts). */
export const CEREMONY_KINDS = ['registration', 'authentication', 'password', 'password_signup', 'totp', 'recovery_code', 'oob_code', 'approval', 'token'] as const;
export type CeremonyKind = (typeof CEREMONY_KINDS)[number];

/** Every metric keygate exports, registered in one Registry of its own. */
export interface Metrics {
  readonly registry: Registry;
  /** HTTP latency by method, route pattern (never the raw path) and status class (2xx...). */
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  /** A ceremony began: its options step answered (WebAuthn), or a one-step ceremony was attempted. */
  readonly ceremoniesStarted: Counter<'ceremony'>;
  /** A ceremony's last step succeeded. */
  readonly ceremoniesFinished: Counter<'ceremony'>;
  /** A ceremony step was refused, by the stable error `code`. */
  readonly ceremoniesFailed: Counter<'ceremony' | 'code'>;
  /** An account (`scope="account"`) or client IP (`scope="ip"`) was locked out. */
  readonly lockouts: Counter<'scope'>;
  /** Security events written to the audit log, by type and outcome. */
  readonly auditEvents: Counter<'type' | 'outcome'>;
  /** Store calls by `concern.method`, e.g. `credentials.findById`. */
  readonly storeDuration: Histogram<'operation'>;
  /** Store calls that threw something other than a contract answer, by operation and error code. */
  readonly storeErrors: Counter<'operation' | 'code'>;
}

/**
 * Creates keygate's metrics in a NEW Registry (never prom-client's global default one), so
 * two apps in one process (tests) each count their own. `processMetrics` adds prom-client's
 * default process/Node.js metrics (CPU, memory, event-loop lag, GC, handles); they start
 * event-loop and GC observers, so only an app that serves /metrics asks for them.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'keygate_http_request_duration_seconds',
      help: 'HTTP request latency by method, route pattern and status class.',
      labelNames: ['method', 'route', 'status_class'],
      // argon2id password checks take tens of ms; a slow MongoDB shows in the upper buckets.
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    ceremoniesStarted: new Counter({ name: 'keygate_ceremonies_started_total', help: 'Ceremonies started, by kind.', labelNames: ['ceremony'], registers }),
    ceremoniesFinished: new Counter({ name: 'keygate_ceremonies_finished_total', help: 'Ceremonies completed successfully, by kind.', labelNames: ['ceremony'], registers }),
    ceremoniesFailed: new Counter({ name: 'keygate_ceremonies_failed_total', help: 'Ceremony steps refused, by kind and stable error code.', labelNames: ['ceremony', 'code'], registers }),
    lockouts: new Counter({ name: 'keygate_lockouts_total', help: 'Lockouts imposed after repeated failed password, TOTP or recovery-code attempts, by scope (account or ip).', labelNames: ['scope'], registers }),
    auditEvents: new Counter({ name: 'keygate_audit_events_total', help: 'Security events written to the audit log, by type and outcome.', labelNames: ['type', 'outcome'], registers }),
    storeDuration: new Histogram({
      name: 'keygate_store_operation_duration_seconds',
      help: 'Store call latency by operation (concern.method).',
      labelNames: ['operation'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    storeErrors: new Counter({ name: 'keygate_store_errors_total', help: 'Store calls that failed (not a contract answer such as a duplicate), by operation and error code.', labelNames: ['operation', 'code'], registers }),
  };
  // Present from the first scrape, so rate() and ratios work before the first event.
  for (const ceremony of CEREMONY_KINDS) {
    metrics.ceremoniesStarted.labels(ceremony).inc(0);
    metrics.ceremoniesFinished.labels(ceremony).inc(0);
  }
  for (const scope of ['account', 'ip']) metrics.lockouts.labels(scope).inc(0);
  return metrics;
}
