import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import type { AppDeps, Deps } from './deps.js';
import { buildTrust } from './attestation/build-trust.js';
import { errorMapper, notFound } from './http/error-mapper.js';
import { untrustedForwardedForWarning } from './http/middleware/forwarded-for-warning.js';
import { jsonBody } from './http/middleware/json-body.js';
import { ceremonyRateLimit } from './http/middleware/rate-limit.js';
import { originCheck } from './http/middleware/same-origin.js';
import { securityHeaders } from './http/middleware/security-headers.js';
import { accountRoutes } from './http/routes/account-routes.js';
import { adminRoutes } from './http/routes/admin-routes.js';
import { approvalRoutes } from './http/routes/approval-routes.js';
import { devRoutes } from './http/routes/dev-routes.js';
import { factorRoutes } from './http/routes/factor-routes.js';
import { fido2Routes } from './http/routes/fido2-routes.js';
import { loginRoutes } from './http/routes/login-routes.js';
import { opsRoutes } from './http/routes/ops-routes.js';
import { tokenManagementRoutes, tokenRoutes } from './http/routes/token-routes.js';
import { metricsEndpoint } from './observability/metrics-endpoint.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createDelivery } from './delivery/create-delivery.js';
import { observeRequests } from './observability/observe-requests.js';

/** Where the bundled demo lives (client-demo/dist, built by `npm run build:demo`). */
export const DEMO_DIR = fileURLToPath(new URL('../../client-demo/dist', import.meta.url));

/**
 * Builds keygate's Express app from injected dependencies. Never listens and reads no
 * globals, so tests build as many apps as they like, each with its own store, clock and
 * metrics registry (`deps.metrics`, or a new one).
 */
export function buildApp(inputDeps: AppDeps, opts: { demoDir?: string | null } = {}): Express {
  const metrics: Metrics = inputDeps.metrics ?? createMetrics({ processMetrics: metricsServed(inputDeps.config) });
  const delivery = inputDeps.delivery ?? createDelivery(inputDeps.config, { logger: inputDeps.logger, clock: inputDeps.clock });
  const trustParts = inputDeps.trust && inputDeps.policies && inputDeps.metadata
    ? { trust: inputDeps.trust, policies: inputDeps.policies, metadata: inputDeps.metadata }
    : buildTrust(inputDeps.config, { store: inputDeps.store, clock: inputDeps.clock, logger: inputDeps.logger, metadata: inputDeps.metadata, policies: inputDeps.policies });
  const deps: Deps = { ...inputDeps, ...trustParts, metrics, delivery };
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  // No ETag / 304 on API replies: they are no-store, and the JWKS and discovery documents are
  // cached by max-age (the demo's static files keep express.static's own validators).
  app.set('etag', false);
  app.set('trust proxy', parseTrustProxy(config.trustProxy));
  // First, as one middleware: the request id (every later line and the reply carry it), the
  // security headers (helmet's, recorded once: security-headers.ts), the X-Forwarded-For
  // warning, and the access-log line and HTTP metrics once the response is over (the timing
  // covers the whole chain).
  const setSecurityHeaders = securityHeaders(config);
  const warnForwardedFor = config.trustProxy === 'false' ? untrustedForwardedForWarning(deps.logger) : undefined;
  app.use(
    observeRequests({
      logger: deps.logger,
      random: deps.random,
      metrics,
      prepare: (req, res) => {
        warnForwardedFor?.(req, res);
        setSecurityHeaders(res);
      },
    }),
  );
  // Cookies are parsed when a route first asks for the session (session-cookie.ts).
  // On the main port only with a token and no METRICS_PORT (main.ts serves that one).
  if (config.metricsToken !== undefined && config.metricsPort === undefined) app.use(metricsEndpoint(metrics, config.metricsToken));
  // No automatic OPTIONS answers (Express would reply 200 "GET, HEAD"): keygate serves no
  // cross-origin requests, so there is no preflight to answer; OPTIONS is an unknown method.
  app.use((req, res, next) => (req.method === 'OPTIONS' ? notFound(req, res, next) : next()));
  app.use(opsRoutes(deps));
  app.use(tokenManagementRoutes(deps));

  const api = express.Router();
  // Replies carry challenges, sessions and account data: no cache may keep them (the JWKS and
  // discovery routes set their own public max-age); then the Origin check (same-origin.ts).
  const checkOrigin = originCheck(config.acceptedOrigins);
  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    checkOrigin(req);
    next();
  });
  // Counted before the body is parsed, so malformed floods count too.
  api.use(['/attestation', '/assertion', '/login', '/signup', '/token', '/link', '/admin'], ceremonyRateLimit(deps));
  // JSON only, within BODY_LIMIT, at most MAX_JSON_DEPTH deep (json-body.ts).
  api.use(jsonBody(config.bodyLimit));
  api.use(fido2Routes(deps));
  api.use(loginRoutes(deps));
  api.use(approvalRoutes(deps));
  api.use(accountRoutes(deps));
  api.use(factorRoutes(deps));
  api.use(tokenRoutes(deps));
  api.use(adminRoutes(deps));
  api.use(devRoutes(deps));
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
