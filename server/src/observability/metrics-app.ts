import express, { type Express } from 'express';
import type { Logger } from '../lib/logger.js';
import type { Random } from '../lib/random.js';
import { errorMapper, notFound } from '../http/error-mapper.js';
import { metricsEndpoint } from './metrics-endpoint.js';
import type { Metrics } from './metrics.js';
import { observeRequests } from './observe-requests.js';

/**
 * The app behind METRICS_PORT: `GET /metrics` and nothing else (every other path is 404),
 * guarded by METRICS_TOKEN too when that is set. `main.ts` listens with it on its own port,
 * which the network can keep away from the public (e.g. only the Prometheus scraper).
 * Like `buildApp`, it never listens itself.
 */
export function buildMetricsApp(deps: { metrics: Metrics; logger: Logger; random: Random; token?: string; exposeDetail: boolean }): Express {
  const app = express();
  app.disable('x-powered-by');
  // Request ids and access-log lines as on the main port; scrapes are not counted in the HTTP metrics.
  app.use(observeRequests({ logger: deps.logger, random: deps.random }));
  app.use(metricsEndpoint(deps.metrics, deps.token));
  app.use(notFound);
  app.use(errorMapper({ logger: deps.logger, exposeDetail: deps.exposeDetail }));
  return app;
}
