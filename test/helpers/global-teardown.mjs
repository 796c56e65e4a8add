/** Jest global teardown: stops the shared MongoDB test server started by global-setup.mjs. */
export default async function globalTeardown() {
  await globalThis.__keygateMongo?.stop();
}
