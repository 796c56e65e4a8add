import type { RequestHandler } from 'express';
import { KeygateError } from '../../errors/keygate-error.js';

/**
 * State-changing API calls must send `Content-Type: application/json`. Besides giving a
 * clear 415, this keeps cross-site HTML forms (which cannot send JSON without a CORS
 * preflight) from reaching the API.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT') {
    if (!req.is('application/json')) {
      throw new KeygateError(415, 'unsupported_media_type', 'Send the request body as JSON (Content-Type: application/json).', `content-type ${req.headers['content-type'] ?? '(none)'}`);
    }
  }
  next();
};
