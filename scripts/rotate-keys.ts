/**
 * Rotates keygate's token-signing key on demand: `npm run rotate-keys` (with the same
 * environment as the server: MONGODB_URI, DATA_KEYS, TOKEN_* ...). The new key is published
 * at once and signs after TOKEN_KEY_LEAD_SECONDS; the current one retires then and stays
 * published until its tokens have expired. Running instances pick the ring up within 30 s.
 */
import { loadConfig } from '../server/src/config/load-config.js';
import { systemClock } from '../server/src/lib/clock.js';
import { createLogger } from '../server/src/lib/logger.js';
import { openStore } from '../server/src/storage/open-store.js';
import { rotateKeys } from '../server/src/tokens/key-ring-service.js';

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error(`rotate-keys: configuration error: ${(err as Error).message}`);
  process.exit(2);
}
if (!config.mongodbUri) {
  console.error('rotate-keys: MONGODB_URI is not set (the memory store lives inside a running keygate; rotating it from here would change nothing)');
  process.exit(2);
}
const logger = createLogger('warn');
try {
  const store = await openStore(config, logger);
  try {
    const ring = await rotateKeys({ store, clock: systemClock, config, logger });
    for (const k of ring.keys) {
      console.log(`${k.kid}  ${k.alg}  signs from ${k.activatesAt.toISOString()}${k.retiresAt ? ` until ${k.retiresAt.toISOString()}` : ''}`);
    }
  } finally {
    await store.close();
  }
} catch (err) {
  console.error(`rotate-keys failed: ${(err as { detail?: string }).detail ?? (err as Error).message}`);
  process.exit(1);
}
