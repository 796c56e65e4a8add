/**
 * A `Store` wrapper that counts calls (store round trips: one MongoDB command per call on the
 * Mongo store) and the wall time spent awaiting them, per `port.method`. Generic: EVERY
 * function of EVERY port object of the store is counted, whatever ports.ts declares today, so
 * a method or a concern added later is counted without touching this file (`ping`/`close`
 * and non-object members pass through uncounted). Awaited times overlap when several
 * requests are in flight; call counts stay exact. Behaviour is unchanged: every call is
 * passed straight through, with the port as `this`.
 */
import { performance } from 'node:perf_hooks';
import type { Store } from '../../server/src/storage/ports.js';

export interface StoreMeter {
  calls: number;
  ms: number;
  /** Calls and awaited ms per method, e.g. `credentials.findById`. */
  byMethod: Map<string, { calls: number; ms: number }>;
  /**
   * MongoDB only: the commands the driver sent (its command monitoring, housekeeping such as
   * heartbeats left out), the real round trips: writes of concurrent calls that the store
   * batches into one command (storage/mongo/batched-bulk-write.ts, audit/audit-writer.ts)
   * count once. `undefined` on the memory store.
   */
  commands?: number;
  /** Counts one driver command (keygate-child.ts's command listener). */
  command(): void;
  reset(): void;
  snapshot(): { calls: number; ms: number };
}

export function meteredStore(inner: Store, opts: { countsCommands?: boolean } = {}): { store: Store; meter: StoreMeter } {
  const meter: StoreMeter = {
    calls: 0,
    ms: 0,
    byMethod: new Map(),
    ...(opts.countsCommands ? { commands: 0 } : {}),
    command() {
      if (this.commands !== undefined) this.commands++;
    },
    reset() {
      this.calls = 0;
      this.ms = 0;
      this.byMethod.clear();
      if (this.commands !== undefined) this.commands = 0;
    },
    snapshot() {
      return { calls: this.calls, ms: this.ms };
    },
  };
  const record = (label: string, t0: number) => {
    const ms = performance.now() - t0;
    const m = meter.byMethod.get(label);
    if (m) {
      m.calls++;
      m.ms += ms;
    } else meter.byMethod.set(label, { calls: 1, ms });
    meter.calls++;
    meter.ms += ms;
  };
  const wrapPort = (part: string, port: object): object => {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(port, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        let wrapped = cache.get(prop);
        if (!wrapped) {
          const label = `${part}.${String(prop)}`;
          wrapped = function (this: unknown, ...args: unknown[]) {
            const t0 = performance.now();
            let out: unknown;
            try {
              out = (value as (...a: unknown[]) => unknown).apply(target, args);
            } catch (err) {
              record(label, t0);
              throw err;
            }
            if (out instanceof Promise) return out.finally(() => record(label, t0));
            record(label, t0);
            return out;
          };
          cache.set(prop, wrapped);
        }
        return wrapped;
      },
    });
  };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(inner) as (keyof Store)[]) {
    const value = inner[key];
    if (key === 'ping' || key === 'close') out[key] = (value as () => Promise<void>).bind(inner);
    else if (value !== null && typeof value === 'object') out[key] = wrapPort(key, value);
    else if (typeof value === 'function') out[key] = (value as (...a: unknown[]) => unknown).bind(inner);
    else out[key] = value;
  }
  return { store: out as unknown as Store, meter };
}
