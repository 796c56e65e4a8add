/**
 * Bootstraps an administrator: `npm run create-admin -- <username>` (with the server's
 * environment: MONGODB_URI, RP_ORIGINS, ONE_TIME_LINK_TTL_SECONDS ...). Makes the user an
 * admin (creating them if needed) and prints a one-time link that registers their first key
 * (single use; it expires after ONE_TIME_LINK_TTL_SECONDS; a new one replaces it). The key
 * must satisfy the admin policy (POLICY_FILE). Audited as admin.created and link.issued.
 * With the memory store there is no store to reach from here: start keygate with
 * BOOTSTRAP_ADMIN=<username> instead (outside production).
 */
import { createAdmin } from '../server/src/admin/bootstrap-admin.js';
import { loadConfig } from '../server/src/config/load-config.js';
import { systemClock } from '../server/src/lib/clock.js';
import { createLogger } from '../server/src/lib/logger.js';
import { secureRandom } from '../server/src/lib/random.js';
import { openStore } from '../server/src/storage/open-store.js';

const username = process.argv[2];
if (!username || process.argv.length > 3) {
  console.error('usage: npm run create-admin -- <username>');
  process.exit(2);
}
let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error(`create-admin: configuration error: ${(err as Error).message}`);
  process.exit(2);
}
if (!config.mongodbUri) {
  console.error('create-admin: MONGODB_URI is not set. The memory store lives inside a running keygate, so an admin created from here would not exist there: start keygate with BOOTSTRAP_ADMIN=<username> instead (outside production).');
  process.exit(2);
}
const logger = createLogger('warn');
try {
  const store = await openStore(config, logger);
  try {
    const { link, created } = await createAdmin({ store, clock: systemClock, random: secureRandom, config, logger }, username);
    console.log(`${created ? 'Created' : 'Made'} administrator ${username}.`);
    console.log(`One-time link to register their security key (valid until ${link.expiresAt.toISOString()}, usable once):`);
    console.log(link.url);
  } finally {
    await store.close();
  }
} catch (err) {
  console.error(`create-admin failed: ${(err as { detail?: string }).detail ?? (err as Error).message}`);
  process.exit(1);
}
