/**
 * keygate as a benchmark CHILD PROCESS: built the way server/src/main.ts builds it
 * (loadConfig from the environment, createMetrics, openStore on the configured store, the
 * app from buildApp on a node:http server on 127.0.0.1), with two additions that exist only
 * here, over the child's IPC channel, never over HTTP:
 *  - the store is wrapped by metered-store.ts, so each measured window reports store calls
 *    (and, on MongoDB, the driver commands sent: the real round trips);
 *  - `{ type: 'seed', count }` registers `count` more users with one ES256 credential each
 *    directly through the store, fast (seed-users.ts), so sign-ins can be measured with a
 *    large user base.
 * The bench (server-cpu.ts) passes keygate's configuration as environment variables (PORT is
 * chosen here: listen on port 0 first, then RP_ORIGINS = http://localhost:<port>), reads CPU
 * time and RSS through child-meter.ts, and drives the HTTP API like a browser.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { buildApp, metricsServed } from '../../server/src/app.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { systemClock } from '../../server/src/lib/clock.js';
import { createLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import { createMetrics } from '../../server/src/observability/metrics.js';
import { openStore } from '../../server/src/storage/open-store.js';
import { serveChildMeter } from './child-meter.js';
import { meteredStore, type StoreMeter } from './metered-store.js';
import { DRIVER_HOUSEKEEPING } from '../../test/helpers/mongo-test-server.js';
import { seedUsers } from './seed-users.js';

let app: Express | undefined;
const server = createServer((req, res) => {
  if (app) app(req, res);
  else res.writeHead(503).end();
});
server.listen(0, '127.0.0.1', async () => {
  try {
    const { port } = server.address() as AddressInfo;
    const config = loadConfig({ ...process.env, PORT: String(port), RP_ORIGINS: `http://localhost:${port}` });
    const logger = createLogger(config.logLevel);
    const metrics = createMetrics({ processMetrics: metricsServed(config) });
    // On MongoDB the driver's command monitoring too, so that each window also reports the
    // commands really sent (round trips).
    let meterRef: StoreMeter | undefined;
    const inner = await openStore(config, logger, metrics, config.mongodbUri ? { onCommand: (name) => void (DRIVER_HOUSEKEEPING.has(name) || meterRef?.command()) } : {});
    const { store, meter } = meteredStore(inner, { countsCommands: config.mongodbUri !== undefined });
    meterRef = meter;
    app = buildApp({ config, store, clock: systemClock, random: secureRandom, logger, metrics }, { demoDir: null });
    let seeded = 0;
    serveChildMeter({
      meter,
      extra: async (msg) => {
        if (msg.type !== 'seed') throw new Error(`unknown message ${String(msg.type)}`);
        const r = await seedUsers(store, config, Number(msg.count), seeded);
        seeded += Number(msg.count);
        return r;
      },
    });
    process.send?.({ type: 'ready', port, store: store.kind });
  } catch (err) {
    process.stderr.write(`bench keygate child failed to start: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  }
});
