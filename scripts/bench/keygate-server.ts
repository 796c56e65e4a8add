/**
 * A real, listening keygate for the HTTP benchmarks: the same in-process server the e2e
 * suite uses (test/helpers/start-keygate.ts) on a given store, without the demo. Requests go
 * to 127.0.0.1; the relying party's origin is `http://localhost:<port>`.
 */
import type { Store } from '../../server/src/storage/ports.js';
import { startKeygate } from '../../test/helpers/start-keygate.js';

export interface BenchServer {
  /** Where requests go: `http://127.0.0.1:<port>`. */
  base: string;
  /** The relying party's origin: `http://localhost:<port>`. */
  origin: string;
  close(): Promise<void>;
}

export async function startBenchServer(store: Store): Promise<BenchServer> {
  // The limiter stays on (its store hit is part of what a request costs) with a limit no run reaches.
  const keygate = await startKeygate({ store, demoDir: null, env: { RATE_LIMIT_PER_MINUTE: '10000000' } });
  return { base: `http://127.0.0.1:${keygate.port}`, origin: keygate.url, close: keygate.close };
}
