import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { buildApp, metricsServed } from './app.js';
import type { Config } from './config/config-schema.js';
import { loadConfig } from './config/load-config.js';
import { KeygateError } from './errors/keygate-error.js';
import { systemClock } from './lib/clock.js';
import { createLogger } from './lib/logger.js';
import { secureRandom } from './lib/random.js';
import { buildMetricsApp } from './observability/metrics-app.js';
import { createMetrics } from './observability/metrics.js';
import { openStore } from './storage/open-store.js';
import { runPrimary } from './run-primary.js';
import { createDelivery } from './delivery/create-delivery.js';
import { buildTrust } from './attestation/build-trust.js';
import { reevaluateCredentials, reevaluateOnMetadataChange } from './admin/reevaluate-credentials.js';
import { createAdmin } from './admin/bootstrap-admin.js';

/** How long shutdown waits for in-flight requests before cutting their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * keygate's entry point: load config (one line and exit 1 on a bad value), open the store,
 * listen (and on METRICS_PORT, when set, serve only /metrics), and shut down gracefully on
 * SIGINT/SIGTERM: stop accepting on both listeners, let in-flight requests finish for at
 * most SHUTDOWN_GRACE_MS (then cut them and exit 1), close the store, exit 0.
 *
 * With WORKERS=N above 1 (MongoDB only: loadConfig refuses it with the memory store) this
 * process is the node:cluster primary instead (run-primary.ts): it forks N workers that each
 * run everything above and share the listening ports, and opens no store itself.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`keygate: configuration error: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const logger = cluster.isWorker ? createLogger(config.logLevel).child({ worker: cluster.worker?.id }) : createLogger(config.logLevel);
  if (cluster.isPrimary && config.workers > 1) {
    runPrimary(config, logger, SHUTDOWN_GRACE_MS);
    return;
  }
  for (const name of config.generatedSecrets) {
    const lost = { SESSION_SECRET: 'sessions end', DATA_KEYS: 'TOTP secrets cannot be read', HMAC_SECRET: 'recovery codes stop working' }[name];
    logger.warn(`${name} is not set: generated a random one for this process; ${lost} when keygate restarts.`);
  }
  if (config.nodeEnv !== 'production' && !config.developerDetail) {
    logger.warn('NODE_ENV is not set but this looks like production (https origins or MONGODB_URI): replies carry no developer detail. Set NODE_ENV=production (or development to see detail).');
  }
  // One registry for the app and the store wrapper, so store latency and errors are exported too.
  const metrics = createMetrics({ processMetrics: metricsServed(config) });
  const store = await openStore(config, logger, metrics);
  // Built before the first request: a misconfigured adapter stops the start (loadConfig checked its keys).
  const delivery = createDelivery(config, { logger, clock: systemClock });
  // Policy, trust anchors and the MDS3 service from config (a bad file stops the start).
  const trustParts = buildTrust(config, { store, clock: systemClock, logger });
  const appDeps = { config, store, clock: systemClock, random: secureRandom, logger, metrics, delivery, ...trustParts };
  // Re-evaluate every credential when the BLOB in use changes, and once at start (the policy
  // file may have changed); in the background, never blocking the start.
  reevaluateOnMetadataChange(appDeps);
  await trustParts.metadata.start();
  const stopping = new AbortController();
  void reevaluateCredentials(appDeps, { signal: stopping.signal }).catch((err: unknown) => logger.error({ err }, 're-evaluating credentials at start failed'));
  if (config.bootstrapAdmin) {
    const { link, created } = await createAdmin(appDeps, config.bootstrapAdmin);
    logger.warn({ username: config.bootstrapAdmin, created, expiresAt: link.expiresAt }, `BOOTSTRAP_ADMIN: one-time link to register the first admin key: ${link.url}`);
  }
  const app = buildApp(appDeps);
  const servers: Server[] = [];
  let closing = false;
  const listen = (handler: Parameters<typeof createServer>[1], port: number, what: string, onListening: () => void) => {
    // node:http rather than app.listen: Express 5 hands listen errors to the callback, which
    // would announce "listening" for a port that is taken.
    const server = createServer(handler);
    // Replies written while shutting down tell keep-alive clients to reconnect elsewhere.
    server.on('request', (_req, res) => {
      if (closing) res.setHeader('Connection', 'close');
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`keygate: cannot listen (${what}) on ${config.host ?? '*'}:${port}: ${err.code ?? ''} ${err.message}\n`);
      for (const s of servers) s.close();
      void store.close().finally(() => process.exit(1));
    });
    server.listen(port, config.host ?? '::', onListening);
    servers.push(server);
  };
  listen(app, config.port, 'http', () => {
    logger.info({ port: config.port, rpId: config.rpId, origins: config.rpOrigins, relatedOrigins: config.relatedOrigins, store: store.kind }, `keygate listening on ${config.rpOrigins[0]}`);
  });
  if (config.metricsPort !== undefined) {
    const metricsApp = buildMetricsApp({ metrics, logger, random: secureRandom, token: config.metricsToken, exposeDetail: config.developerDetail });
    listen(metricsApp, config.metricsPort, 'metrics', () => {
      logger.info({ port: config.metricsPort, bearerRequired: config.metricsToken !== undefined }, 'metrics listening on /metrics');
    });
  } else if (config.metricsToken !== undefined) {
    logger.info('metrics served on /metrics (bearer METRICS_TOKEN)');
  }

  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    for (const s of servers) s.closeIdleConnections();
    setTimeout(() => {
      logger.warn({ graceMs: SHUTDOWN_GRACE_MS }, 'in-flight requests did not finish in time: closing their connections');
      for (const s of servers) s.closeAllConnections();
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    trustParts.metadata.stop();
    stopping.abort();
    void Promise.all(closed).then(() => store.close().finally(() => process.exit(0)));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  const detail = err instanceof KeygateError && err.detail ? ` (${err.detail})` : '';
  process.stderr.write(`keygate: failed to start: ${(err as Error).message}${detail}\n`);
  process.exit(1);
});
