/**
 * A `Store` wrapper that counts calls and the wall time spent awaiting them, so the HTTP
 * benchmarks can say how much of a ceremony is storage (one MongoDB round trip per call on
 * the Mongo store). Only meaningful for serial cases: with several requests in flight the
 * awaited intervals overlap. Behaviour is unchanged; every call is passed straight through.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../../server/src/storage/ports.js';

export interface StoreMeter {
  calls: number;
  ms: number;
  /** Calls and awaited ms per method, e.g. `credentials.findById`. */
  byMethod: Map<string, { calls: number; ms: number }>;
  reset(): void;
  snapshot(): { calls: number; ms: number };
}


export function meteredStore(inner: Store): { store: Store; meter: StoreMeter } {
  const meter: StoreMeter = {
    calls: 0,
    ms: 0,
    byMethod: new Map(),
    reset() {
      this.calls = 0;
      this.ms = 0;
      this.byMethod.clear();
    },
    snapshot() {
      return { calls: this.calls, ms: this.ms };
    },
  };
  const wrap = <T extends object>(part: string, target: T): T => {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(target)) {
      if (typeof fn !== 'function') {
        out[name] = fn;
        continue;
      }
      const label = `${part}.${name}`;
      out[name] = async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const ms = performance.now() - t0;
          const m = meter.byMethod.get(label) ?? { calls: 0, ms: 0 };
          meter.byMethod.set(label, { calls: m.calls + 1, ms: m.ms + ms });
          meter.calls++;
          meter.ms += ms;
        }
      };
    }
    return out as T;
  };
  // Spelled out (no cast) so that a concern added to Store fails type checking here.
  const store: Store = {
    kind: inner.kind,
    users: wrap('users', inner.users),
    credentials: wrap('credentials', inner.credentials),
    ceremonies: wrap('ceremonies', inner.ceremonies),
    sessions: wrap('sessions', inner.sessions),
    signInAttempts: wrap('signInAttempts', inner.signInAttempts),
    passwords: wrap('passwords', inner.passwords),
    totp: wrap('totp', inner.totp),
    recoveryCodes: wrap('recoveryCodes', inner.recoveryCodes),
    lockouts: wrap('lockouts', inner.lockouts),
    keyRing: wrap('keyRing', inner.keyRing),
    tokens: wrap('tokens', inner.tokens),
    audit: wrap('audit', inner.audit),
    rateLimits: wrap('rateLimits', inner.rateLimits),
    locks: wrap('locks', inner.locks),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { store, meter };
}
