/**
 * Jest global setup: ONE MongoDB test server for the whole run (each test file uses its
 * own database in it). Its URI reaches the workers through `KEYGATE_TEST_MONGODB_URI`;
 * when no server can be had, `KEYGATE_TEST_MONGODB_SKIP` says why (see test-stores.ts).
 *
 * Plain ESM JavaScript because Jest loads global setup outside its transform pipeline;
 * the TypeScript launcher is loaded through tsx.
 */
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { startMongoTestServer } = await tsImport('./mongo-test-server.ts', import.meta.url);
  const server = await startMongoTestServer();
  if ('skipped' in server) {
    process.env.KEYGATE_TEST_MONGODB_SKIP = server.skipped;
    const consequence = process.env.REQUIRE_MONGO === '1' ? 'REQUIRE_MONGO=1: its tests will FAIL' : 'set MONGODB_URI, or install java + mvn (npm test fetches the server)';
    process.stderr.write(`\n!!! MongoDB suite SKIPPED: ${server.skipped}; ${consequence} !!!\n`);
    return;
  }
  process.env.KEYGATE_TEST_MONGODB_URI = server.uri;
  globalThis.__keygateMongo = server;
}
