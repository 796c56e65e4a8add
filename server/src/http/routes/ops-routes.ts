import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { StoreUnavailableError } from '../../errors/keygate-error.js';
import { openApiDocument } from '../openapi-document.js';

/** Ops endpoints: `/healthz` (process is up), `/readyz` (store reachable, else 503), `/openapi.json`. */
export function opsRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      await deps.store.ping();
    } catch (err) {
      throw err instanceof StoreUnavailableError ? err : new StoreUnavailableError(String(err));
    }
    res.json({ status: 'ok', store: deps.store.kind });
  });
  const doc = openApiDocument(deps.config);
  r.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  return r;
}
