import type { Config } from '../config/config-schema.js';
import type { Logger } from '../lib/logger.js';
import { instrumentStore } from '../observability/instrumented-store.js';
import type { Metrics } from '../observability/metrics.js';
import { createMemoryStore } from './memory/memory-store.js';
import { openMongoStore } from './mongo/mongo-store.js';
import type { Store } from './ports.js';

/**
 * Opens the store the configuration asks for: MongoDB when MONGODB_URI is set, otherwise
 * the embedded memory store, with a loud warning (and never in production). With `metrics`,
 * the store is wrapped once here, whichever adapter it is, so every call is timed and every
 * failure counted (observability/instrumented-store.ts); pass the same metrics to `buildApp`.
 * `onCommand` (MongoDB only; the benchmark counts round trips with it) hears the name of every
 * command the driver sends.
 */
export async function openStore(config: Config, logger: Logger, metrics?: Metrics, opts: { onCommand?: (name: string) => void } = {}): Promise<Store> {
  const store = await openAdapter(config, logger, opts.onCommand);
  return metrics ? instrumentStore(store, metrics) : store;
}

async function openAdapter(config: Config, logger: Logger, onCommand?: (name: string) => void): Promise<Store> {
  if (config.mongodbUri) {
    const store = await openMongoStore({ uri: config.mongodbUri, dbName: config.mongodbDb, operationTimeoutMS: config.mongodbTimeoutMs, ...(onCommand ? { onCommand } : {}) });
    logger.info({ db: config.mongodbDb }, 'connected to MongoDB');
    return store;
  }
  if (config.nodeEnv === 'production') throw new TypeError('MONGODB_URI is required in production');
  logger.warn(
    'MONGODB_URI is not set: using the embedded MEMORY store. Every user and credential is LOST on restart. Set MONGODB_URI for real use.',
  );
  return createMemoryStore();
}
