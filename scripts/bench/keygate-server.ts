/**
 * A real, listening keygate for the HTTP benchmarks: `buildApp()` on a given store, bound to
 * 127.0.0.1 on a port the OS picks, then configured with that port (RP_ID `localhost`,
 * RP_ORIGINS `http://localhost:<port>`), the system clock, secure randomness and a silent
 * logger, no demo directory. NODE_ENV is `test`, as in the integration tests (replies then
 * carry their `debug` block; the production-only checks would refuse the memory store).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { buildApp } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { systemClock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import type { Store } from '../../server/src/storage/ports.js';

export interface BenchServer {
  /** Where requests go: `http://127.0.0.1:<port>`. */
  base: string;
  /** The relying party's origin: `http://localhost:<port>`. */
  origin: string;
  close(): Promise<void>;
}

export async function startBenchServer(store: Store): Promise<BenchServer> {
  let app: Express | undefined;
  const server: Server = createServer((req, res) => {
    if (app) app(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    RP_ID: 'localhost',
    RP_ORIGINS: origin,
    SESSION_SECRET: 'bench-session-secret-bench-session-secret!',
    LOG_LEVEL: 'silent',
  });
  app = buildApp({ config, store, clock: systemClock, random: secureRandom, logger: silentLogger }, { demoDir: null });
  return {
    base: `http://127.0.0.1:${port}`,
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
