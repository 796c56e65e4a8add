import { createServer } from 'node:http';
import { buildApp } from './app.js';
import type { Config } from './config/config-schema.js';
import { loadConfig } from './config/load-config.js';
import { KeygateError } from './errors/keygate-error.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { secureRandom } from './lib/random.js';
import { openStore } from './storage/open-store.js';

/**
 * keygate's entry point: load config (one line and exit 1 on a bad value), open the store,
 * listen, and shut down gracefully on SIGINT/SIGTERM (stop accepting, finish in-flight
 * requests, close the store).
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`keygate: configuration error: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  for (const name of config.generatedSecrets) {
    const lost = { SESSION_SECRET: 'sessions end', DATA_KEYS: 'TOTP secrets cannot be read', HMAC_SECRET: 'recovery codes stop working' }[name];
    logger.warn(`${name} is not set: generated a random one for this process; ${lost} when keygate restarts.`);
  }
  const store = await openStore(config, logger);
  const app = buildApp({ config, store, clock: systemClock, random: secureRandom, logger });
  // node:http rather than app.listen: Express 5 hands listen errors to the callback, which
  // would announce "listening" for a port that is taken.
  const server = createServer(app);
  server.once('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`keygate: cannot listen on ${config.host ?? '*'}:${config.port}: ${err.code ?? ''} ${err.message}\n`);
    void store.close().finally(() => process.exit(1));
  });
  server.listen(config.port, config.host ?? '::', () => {
    logger.info({ port: config.port, rpId: config.rpId, origins: config.rpOrigins, store: store.kind }, `keygate listening on ${config.rpOrigins[0]}`);
  });
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close(() => {
      store.close().finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  const detail = err instanceof KeygateError && err.detail ? ` (${err.detail})` : '';
  process.stderr.write(`keygate: failed to start: ${(err as Error).message}${detail}\n`);
  process.exit(1);
});
