/**
 * Starts a real keygate in this process on a free port, for browser (e2e) tests.
 *
 * Contract of `startKeygate(opts)`:
 *  - listens on 127.0.0.1 on a port the OS picks (port 0), THEN builds the config with that
 *    port, so RP_ORIGINS is exactly `http://localhost:<port>` and there is no port race;
 *  - RP_ID is `localhost` (browsers refuse IP addresses as RP IDs: open `url`, never
 *    `http://127.0.0.1:<port>`; Chromium resolves `localhost` to the loopback address);
 *  - uses `opts.store` or a fresh memory store (returned, so tests can inspect what was written), the system
 *    clock, secure randomness and a silent logger; NODE_ENV is `test` (so replies carry
 *    `debug` and errors their `detail`) unless `opts.env` says otherwise;
 *  - serves the demo from `client-demo/dist` (build it first: `npm run build:demo`) unless
 *    `opts.demoDir` is given (`null` serves no demo);
 *  - `close()` drops open connections (browsers keep them alive) and resolves once closed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { buildApp, DEMO_DIR } from '../../server/src/app.js';
import type { Config } from '../../server/src/config/config-schema.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { systemClock, type Clock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { secureRandom } from '../../server/src/lib/random.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { withOpenApiCheck } from './openapi-recorder.js';

export interface RunningKeygate {
  /** `http://localhost:<port>`: the one origin the server accepts. */
  url: string;
  port: number;
  store: Store;
  config: Config;
  close(): Promise<void>;
}

export interface StartKeygateOptions {
  /** Extra environment for `loadConfig` (e.g. `{ CHALLENGE_TTL_SECONDS: '5' }`). */
  env?: Record<string, string>;
  /** Directory of the static demo; default `client-demo/dist`; `null` for none. */
  demoDir?: string | null;
  /** The store to serve from; default a fresh memory store. */
  store?: Store;
  /** The clock; default the system clock (tests pass a FixedClock to step over time windows). */
  clock?: Clock;
}

export async function startKeygate(opts: StartKeygateOptions = {}): Promise<RunningKeygate> {
  // The app needs the port for its config, so the server starts first and answers 503
  // until the app exists (nobody knows the port yet, so nobody can call it meanwhile).
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
  const url = `http://localhost:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    RP_ID: 'localhost',
    RP_ORIGINS: url,
    SESSION_SECRET: 'e2e-session-secret-e2e-session-secret!',
    RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const store = opts.store ?? createMemoryStore();
  const demoDir = opts.demoDir === undefined ? DEMO_DIR : opts.demoDir;
  // Every reply is checked against the OpenAPI document (openapi-recorder.ts); the demo's files are not API replies.
  app = withOpenApiCheck(buildApp({ config, store, clock: opts.clock ?? systemClock, random: secureRandom, logger: silentLogger }, { demoDir }), config, { staticAssets: demoDir !== null });
  return {
    url,
    port,
    store,
    config,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
