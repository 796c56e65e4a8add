import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Deps } from './deps.js';
import { errorMapper, notFound } from './http/error-mapper.js';
import { warnOnUntrustedForwardedFor } from './http/middleware/forwarded-for-warning.js';
import { ceremonyRateLimit } from './http/middleware/rate-limit.js';
import { limitJsonDepth } from './http/middleware/limit-json-depth.js';
import { requireJson } from './http/middleware/require-json.js';
import { sameOrigin } from './http/middleware/same-origin.js';
import { accountRoutes } from './http/routes/account-routes.js';
import { factorRoutes } from './http/routes/factor-routes.js';
import { fido2Routes } from './http/routes/fido2-routes.js';
import { loginRoutes } from './http/routes/login-routes.js';
import { opsRoutes } from './http/routes/ops-routes.js';
import { tokenManagementRoutes, tokenRoutes } from './http/routes/token-routes.js';
import { accessLog } from './observability/access-log.js';
import { httpMetrics } from './observability/http-metrics.js';
import { metricsEndpoint } from './observability/metrics-endpoint.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { requestId } from './observability/request-id.js';

/** Where the bundled demo lives (client-demo/dist, built by `npm run build:demo`). */
export const DEMO_DIR = fileURLToPath(new URL('../../client-demo/dist', import.meta.url));

/**
 * Builds keygate's Express app from injected dependencies. Never listens and reads no
 * globals, so tests build as many apps as they like, each with its own store, clock and
 * metrics registry (`deps.metrics`, or a new one).
 */
export function buildApp(inputDeps: Deps, opts: { demoDir?: string | null } = {}): Express {
  const metrics: Metrics = inputDeps.metrics ?? createMetrics({ processMetrics: metricsServed(inputDeps.config) });
  const deps: Deps = { ...inputDeps, metrics };
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // No ETag / 304 on API replies: they are no-store, and the JWKS and discovery documents are
  // cached by max-age (the demo's static files keep express.static's own validators).
  app.set('etag', false);
  app.set('trust proxy', parseTrustProxy(config.trustProxy));
  // First: every later line and the reply carry the request id, and the timing covers it all.
  app.use(requestId(deps.random));
  app.use(accessLog(deps.logger));
  if (config.trustProxy === 'false') app.use(warnOnUntrustedForwardedFor(deps.logger));
  app.use(httpMetrics(metrics));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(config.httpsOnly ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: config.httpsOnly ? { maxAge: 31536000, includeSubDomains: true } : false,
    }),
  );
  app.use(cookieParser(config.sessionSecret));
  // On the main port only with a token and no METRICS_PORT (main.ts serves that one).
  if (config.metricsToken !== undefined && config.metricsPort === undefined) app.use(metricsEndpoint(metrics, config.metricsToken));
  // No automatic OPTIONS answers (Express would reply 200 "GET, HEAD"): keygate serves no
  // cross-origin requests, so there is no preflight to answer; OPTIONS is an unknown method.
  app.use((req, res, next) => (req.method === 'OPTIONS' ? notFound(req, res, next) : next()));
  app.use(opsRoutes(deps));
  app.use(tokenManagementRoutes(deps));

  const api = express.Router();
  // Replies carry challenges, sessions and account data: no cache may keep them (the JWKS and
  // discovery routes set their own public max-age).
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  api.use(sameOrigin(config.rpOrigins));
  // Counted before the body is parsed, so malformed floods count too.
  api.use(['/attestation', '/assertion', '/login', '/signup', '/token'], ceremonyRateLimit(deps));
  api.use(express.json({ limit: config.bodyLimit, strict: true, type: 'application/json' }));
  api.use(requireJson);
  api.use(limitJsonDepth);
  api.use(fido2Routes(deps));
  api.use(loginRoutes(deps));
  api.use(accountRoutes(deps));
  api.use(factorRoutes(deps));
  api.use(tokenRoutes(deps));
  app.use(api);

  const demoDir = opts.demoDir === undefined ? DEMO_DIR : opts.demoDir;
  if (demoDir && existsSync(demoDir)) app.use(express.static(demoDir, { index: 'index.html', fallthrough: true }));

  app.use(notFound);
  app.use(errorMapper({ logger: deps.logger, exposeDetail: config.developerDetail }));
  return app;
}

/** Whether this deployment serves /metrics at all (METRICS_TOKEN on PORT, or METRICS_PORT). */
export function metricsServed(config: Deps['config']): boolean {
  return config.metricsToken !== undefined || config.metricsPort !== undefined;
}

/** TRUST_PROXY (validated by the config schema) as Express wants it. */
function parseTrustProxy(v: string): boolean | number | string[] {
  if (v === 'false') return false;
  return /^\d+$/.test(v) ? Number(v) : v.split(',').map((s) => s.trim());
}
