import type { ErrorRequestHandler, RequestHandler } from 'express';
import { KeygateError } from '../errors/keygate-error.js';
import type { Logger } from '../lib/logger.js';

/** body-parser / raw-body error types and what a client is told about them. */
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'malformed_json', 'The request body is not valid JSON.'],
  'entity.too.large': [413, 'body_too_large', 'The request body is too large.'],
  'encoding.unsupported': [415, 'unsupported_encoding', 'The request body encoding is not supported.'],
  'charset.unsupported': [415, 'unsupported_charset', 'The request body charset is not supported.'],
  'request.aborted': [400, 'request_aborted', 'The request was aborted.'],
  'request.size.invalid': [400, 'invalid_request', 'The request body length does not match Content-Length.'],
  'stream.encoding.set': [500, 'internal_error', 'Internal error.'],
};

/**
 * The one place that turns errors into replies. Every reply carries the FIDO2 server
 * profile fields `status: "failed"` and a non-empty `errorMessage`, plus the stable `code`
 * and, outside production, the developer `detail`. Unknown errors are bugs: logged, and
 * answered 500 `internal_error` without internals.
 */
export function errorMapper(opts: { logger: Logger; exposeDetail: boolean }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let status = 500;
    let code = 'internal_error';
    let message = 'Something went wrong on our side. Please try again.';
    let detail: string | undefined;
    let fields: Record<string, unknown> = {};
    if (err instanceof KeygateError) {
      ({ status, code, message, detail } = err);
      fields = err.fields ?? {};
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
    } else if (err && typeof err === 'object' && typeof err.type === 'string' && BODY_ERRORS[err.type]) {
      [status, code, message] = BODY_ERRORS[err.type]!;
      detail = String(err.message);
    } else if (err && typeof err === 'object' && Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
      status = err.status;
      code = 'invalid_request';
      message = 'The request could not be processed.';
      detail = String(err.message);
    }
    // For the access log and the ceremony metrics (observability/), which read it when the reply is over.
    res.locals.errorCode = code;
    // The path only: a query string may carry anything. The logger scrubs ids and challenges out of `detail`.
    if (status >= 500 && code !== 'store_unavailable') opts.logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    else opts.logger.debug({ code, detail, path: req.path }, 'request refused');
    if (res.headersSent) return;
    res.status(status).json({ ...fields, status: 'failed', errorMessage: message, code, ...(opts.exposeDetail && detail ? { detail } : {}) });
  };
}

/** 404 for every path no route claimed. */
export const notFound: RequestHandler = (_req, res) => {
  res.locals.errorCode = 'not_found';
  res.status(404).json({ status: 'failed', errorMessage: 'Not found.', code: 'not_found' });
};
