import type { Request, Response } from 'express';
import { CEREMONY_ROUTES } from './ceremony-routes.js';

/**
 * The `route` of a request in logs and metrics: the pattern that matched it
 * (`/account/credentials/:id`), never the raw path, so ids never become label values and
 * the number of series stays bounded. A request no route matched is `(static)` when it was
 * answered (the demo's files) and `(unmatched)` otherwise (404s, and refusals by middleware
 * before any route, except the fixed ceremony paths, which keep their own name).
 */
export function routeLabel(req: Request, res: Response): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl ?? ''}${pattern}`;
  const path = pathOf(req);
  if (CEREMONY_ROUTES[`${req.method} ${path}`]) return path;
  return res.statusCode < 400 ? '(static)' : '(unmatched)';
}

/** The request's path without the query string (which may carry anything). */
export function pathOf(req: Request): string {
  const url = req.originalUrl ?? req.url ?? '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
