import express, { type Request, type RequestHandler } from 'express';
import { KeygateError } from '../../errors/keygate-error.js';
import { assertJsonDepth } from './limit-json-depth.js';

/** Whether the request says it has a body (`Content-Length: 0` and no length at all are none). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/**
 * The API's body handling as one middleware: what `express.json({ limit, strict })`, a
 * media-type check and `limitJsonDepth` did in a row, with the media type looked at once.
 * A request body must be `Content-Type: application/json`: besides giving a clear 415, this
 * keeps cross-site HTML forms (which cannot send JSON without a CORS preflight) from
 * reaching the API. In order:
 *  - a JSON body is read by body-parser (limit, charset, content encodings and all its
 *    errors as before), then refused if nested deeper than MAX_JSON_DEPTH;
 *  - any other body is refused with 415 `unsupported_media_type` before it is read;
 *  - no body (or `Content-Length: 0` of another type) passes untouched, as it passed
 *    body-parser, which reads only what type-is says has a body of its type.
 */
export function jsonBody(limit: string | number): RequestHandler {
  // The type is decided here (req.is below), so the parser is told not to decide it again.
  const parse = express.json({ limit, strict: true, type: () => true });
  return (req, res, next) => {
    // type-is: null without a body, false for another type, the type when it is JSON.
    if (req.is('application/json')) {
      parse(req, res, (err?: unknown) => {
        if (err) return next(err);
        try {
          assertJsonDepth(req.body);
        } catch (e) {
          return next(e);
        }
        next();
      });
      return;
    }
    if (hasBody(req)) throw new KeygateError('unsupported_media_type', `content-type ${req.headers['content-type'] ?? '(none)'}`);
    next();
  };
}
