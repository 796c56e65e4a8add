import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { UnauthorizedError } from '../errors/keygate-error.js';
import type { Metrics } from './metrics.js';

/**
 * `GET /metrics`: the registry in the Prometheus text exposition format (0.0.4). With a
 * `token`, only `Authorization: Bearer <token>` gets it (compared in constant time, over
 * SHA-256 digests so not even the length leaks); anything else is 401 `invalid_token` with
 * `WWW-Authenticate: Bearer`. Without a token the caller must make sure only the scraper
 * can reach it (the separate METRICS_PORT listener).
 */
export function metricsEndpoint(metrics: Metrics, token: string | undefined): Router {
  const r = Router();
  const expected = token === undefined ? undefined : digest(token);
  r.get('/metrics', async (req, res) => {
    if (expected) {
      const m = /^Bearer ([\x21-\x7e]+)$/.exec(req.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
        throw new UnauthorizedError('invalid_token', m ? 'the bearer token is not METRICS_TOKEN' : 'no Authorization: Bearer header', {
          headers: { 'WWW-Authenticate': 'Bearer realm="keygate-metrics"' },
        });
      }
    }
    const body = await metrics.registry.metrics();
    res.set('Content-Type', metrics.registry.contentType);
    res.set('Cache-Control', 'no-store');
    res.send(body);
  });
  return r;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
