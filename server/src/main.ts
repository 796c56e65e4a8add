import { buildApp } from './app.js';
import type { Config } from './config/config-schema.js';
import { loadConfig } from './config/load-config.js';
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
  if (config.sessionSecretGenerated) {
    logger.warn('SESSION_SECRET is not set: generated a random one; sessions end when keygate restarts.');
  }
  const store = await openStore(config, logger);
  const app = buildApp({ config, store, clock: systemClock, random: secureRandom, logger });
  const server = app.listen(config.port, config.host ?? '::', () => {
    logger.info({ port: config.port, rpId: config.rpId, origins: config.rpOrigins, store: store.kind }, `keygate listening on ${config.rpOrigins[0]}`);
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'could not listen');
    process.exit(1);
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
  process.stderr.write(`keygate: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
