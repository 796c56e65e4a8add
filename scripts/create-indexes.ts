/**
 * Creates keygate's MongoDB collections and indexes (idempotent) without starting the
 * server: `MONGODB_URI=... npm run create-indexes`. keygate also does this at every start;
 * this is for operators who provision databases ahead of deploys.
 */
import { loadConfig } from '../server/src/config/load-config.js';
import { openMongoStore } from '../server/src/storage/mongo/mongo-store.js';

const config = loadConfig(process.env);
if (!config.mongodbUri) {
  console.error('MONGODB_URI is not set');
  process.exit(2);
}
try {
  const store = await openMongoStore({ uri: config.mongodbUri, dbName: config.mongodbDb });
  await store.close();
  console.log(`indexes ensured in database ${config.mongodbDb}`);
} catch (err) {
  console.error(`create-indexes failed: ${(err as { detail?: string }).detail ?? (err as Error).message}`);
  process.exit(1);
}
