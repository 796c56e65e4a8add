import type { RequestHandler } from 'express';
import { KeygateError } from '../../errors/keygate-error.js';

/**
 * A request body must be `Content-Type: application/json`. Besides giving a clear 415,
 * this keeps cross-site HTML forms (which cannot send JSON without a CORS preflight) from
 * reaching the API. A request without a body passes (its schema then says what is missing).
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (hasBody) {
    if (!req.is('application/json')) {
      throw new KeygateError('unsupported_media_type', `content-type ${req.headers['content-type'] ?? '(none)'}`);
    }
  }
  next();
};
