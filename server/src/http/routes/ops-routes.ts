import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { StoreUnavailableError } from '../../errors/keygate-error.js';
import { openApiDocument } from '../openapi-document.js';
import { signerAt } from '../../tokens/key-ring.js';
import { keyRing } from '../../tokens/key-ring-service.js';

/** How long browsers and caches may keep `/.well-known/webauthn` (it changes only with RELATED_ORIGINS, at a restart). */
const WEBAUTHN_DOCUMENT_MAX_AGE_SECONDS = 3600;

/**
 * Ops endpoints: `/healthz` (process is up), `/readyz` (store reachable and a signing key ready, else 503), `/openapi.json`,
 * and `/.well-known/webauthn` (the related-origins document, WebAuthn Level 3 §5.11) when RELATED_ORIGINS is set.
 */
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
  // RELATED_ORIGINS first: a browser honours the first 5 registrable-domain labels it reads
  // (§5.11.1), and RP_ORIGINS (on RP_ID's own domain) are accepted without the document.
  const { relatedOrigins, rpOrigins } = deps.config;
  const webauthnDocument = { origins: [...new Set([...relatedOrigins, ...rpOrigins])] };
  r.get('/.well-known/webauthn', (_req, res, next) => {
    // Without related origins there is no document: the request goes on as any unknown path (404 not_found).
    if (relatedOrigins.length === 0) return next();
    // Browsers on the related origins read this public document (WebAuthn L3 §5.11.1); helmet's
    // default CORP same-origin must not stand in their way.
    res
      .set('Cache-Control', `public, max-age=${WEBAUTHN_DOCUMENT_MAX_AGE_SECONDS}`)
      .set('Cross-Origin-Resource-Policy', 'cross-origin')
      .json(webauthnDocument);
  });
  const doc = openApiDocument(deps.config);
  r.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  return r;
}
