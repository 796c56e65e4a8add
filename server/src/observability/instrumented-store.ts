import { performance } from 'node:perf_hooks';
import type { AuditEvent, Store } from '../storage/ports.js';
import { KeygateError } from '../errors/keygate-error.js';
import type { Metrics } from './metrics.js';

/**
 * Wraps any `Store` (memory or MongoDB) so that every call is timed into
 * `keygate_store_operation_duration_seconds{operation}` and every failure counted in
 * `keygate_store_errors_total{operation, code}` (`store_unavailable` when the database cannot
 * be reached, `internal_error` for anything unexpected). Contract answers that happen to be
 * thrown (a duplicate username or credential id: a `KeygateError` below 500) are not errors.
 * Two port answers are also security signals and counted here, where every adapter passes:
 * `lockouts.fail` answering true (a key was just locked: `keygate_lockouts_total{scope}`) and
 * `audit.appendMany` (`keygate_audit_events_total{type, outcome}`, per event).
 *
 * Behaviour is unchanged: arguments, results and errors pass straight through.
 * Method lookups walk the prototype chain, so class-based adapters are wrapped too.
 */
export function instrumentStore(inner: Store, metrics: Metrics): Store {
  const wrap = <T extends object>(part: string, target: T, after?: (method: string, args: unknown[], result: unknown) => void): T => {
    const out: Record<string, unknown> = { ...(target as Record<string, unknown>) };
    for (const name of methodNames(target)) {
      const fn = (target as Record<string, unknown>)[name] as (...a: unknown[]) => Promise<unknown>;
      const operation = `${part}.${name}`;
      // One labelled child per operation, timed with performance.now(): prom-client's
      // startTimer() builds closures, an hrtime pair and a merged label object per call.
      const duration = metrics.storeDuration.labels(operation);
      out[name] = async (...args: unknown[]) => {
        const start = performance.now();
        try {
          const result = await fn.apply(target, args);
          after?.(name, args, result);
          return result;
        } catch (err) {
          if (!(err instanceof KeygateError && err.status < 500)) metrics.storeErrors.labels(operation, err instanceof KeygateError ? err.code : 'internal_error').inc();
          throw err;
        } finally {
          duration.observe((performance.now() - start) / 1000);
        }
      };
    }
    return out as T;
  };
  // Spelled out (no loop over keys) so that a concern added to Store fails type checking here.
  return {
    kind: inner.kind,
    users: wrap('users', inner.users),
    credentials: wrap('credentials', inner.credentials),
    ceremonies: wrap('ceremonies', inner.ceremonies),
    sessions: wrap('sessions', inner.sessions),
    signInAttempts: wrap('signInAttempts', inner.signInAttempts),
    passwords: wrap('passwords', inner.passwords),
    totp: wrap('totp', inner.totp),
    recoveryCodes: wrap('recoveryCodes', inner.recoveryCodes),
    lockouts: wrap('lockouts', inner.lockouts, (method, args, locked) => {
      if (method === 'fail' && locked === true) metrics.lockouts.labels(String(args[0]).startsWith('ip:') ? 'ip' : 'account').inc();
    }),
    keyRing: wrap('keyRing', inner.keyRing),
    tokens: wrap('tokens', inner.tokens),
    audit: wrap('audit', inner.audit, (method, args) => {
      if (method === 'appendMany') for (const event of args[0] as AuditEvent[]) metrics.auditEvents.labels(event.type, event.outcome).inc();
    }),
    rateLimits: wrap('rateLimits', inner.rateLimits),
    locks: wrap('locks', inner.locks),
    metadata: wrap('metadata', inner.metadata),
    links: wrap('links', inner.links),
    oob: wrap('oob', inner.oob),
    approvals: wrap('approvals', inner.approvals),
    ping: wrap('store', { ping: () => inner.ping() }).ping,
    close: () => inner.close(),
  };
}

/** Every function-valued property of `obj`, own or inherited (below Object.prototype). */
function methodNames(obj: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (obj as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}
