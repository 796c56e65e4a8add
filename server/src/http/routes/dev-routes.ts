import { Router } from 'express';
import type { Deps } from '../../deps.js';
import { DevDelivery } from '../../delivery/dev-delivery.js';

/**
 * `GET /dev/messages`: the messages the development delivery adapter kept (DELIVERY=dev, which
 * loadConfig refuses in production), newest first, texts included: the demo's developer panel
 * shows the SMS and email codes keygate "sent". With any other adapter the path does not
 * exist (404 not_found), so a deployment never serves it.
 */
export function devRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/dev/messages', (_req, res, next) => {
    const delivery = deps.delivery;
    if (!(delivery instanceof DevDelivery) || deps.config.nodeEnv === 'production') return next();
    const messages = delivery.recent().map((m) => ({ to: m.to, channel: m.channel, text: m.text, ...(m.subject !== undefined ? { subject: m.subject } : {}), at: m.at.toISOString() }));
    res.json({ status: 'ok', errorMessage: '', messages });
  });
  return r;
}
