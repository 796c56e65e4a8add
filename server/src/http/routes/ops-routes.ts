import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { StoreUnavailableError } from '../../errors/keygate-error.js';
import { openApiDocument } from '../openapi-document.js';
import { signerAt } from '../../tokens/key-ring.js';
import { keyRing } from '../../tokens/key-ring-service.js';

/** Ops endpoints: `/healthz` (process is up), `/readyz` (store reachable and a signing key ready, else 503), `/openapi.json`. */
export function opsRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    try {
      await deps.store.ping();
      // The key ring is read (and created on a first start) here, so a fresh instance is ready to sign.
      if (!signerAt(await keyRing(deps), deps.clock.now())) throw new Error('no signing key signs now');
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
