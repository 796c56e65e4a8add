import type { ErrorRequestHandler, RequestHandler } from 'express';
import { formatErrorMessage, statusOf, type ErrorCode } from '../errors/error-catalogue.js';
import { KeygateError } from '../errors/keygate-error.js';
import type { Logger } from '../lib/logger.js';

/** body-parser / raw-body error types and what a client is told about them (the status comes from the catalogue). */
const reply = (code: ErrorCode, message = formatErrorMessage(code)) => ({ code, message });
const BODY_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  'entity.parse.failed': reply('malformed_json'),
  'entity.too.large': reply('body_too_large'),
  'parameters.too.many': reply('body_too_large'),
  'encoding.unsupported': reply('unsupported_encoding'),
  'charset.unsupported': reply('unsupported_charset'),
  'request.aborted': reply('request_aborted'),
  'request.size.invalid': reply('invalid_request', formatErrorMessage('invalid_request', { variant: 'lengthMismatch' })),
  'stream.encoding.set': reply('internal_error'),
};

/**
 * The one place that turns errors into replies. Every reply carries the FIDO2 server
 * profile fields `status: "failed"` and a non-empty `errorMessage`, plus the stable `code`
 * and, outside production, the developer `detail`. The HTTP status and `errorMessage` are
 * the code's in errors/error-catalogue.ts, for KeygateErrors and framework errors alike.
 * Other client errors the framework raises are 400 `invalid_request`. Unknown errors are
 * bugs: logged, and answered 500 `internal_error` without internals.
 */
export function errorMapper(opts: { logger: Logger; exposeDetail: boolean }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let code: ErrorCode = 'internal_error';
    let message = formatErrorMessage(code);
    let detail: string | undefined;
    let fields: Record<string, unknown> = {};
    if (err instanceof KeygateError) {
      ({ code, message, detail } = err);
      fields = err.fields ?? {};
      for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
    } else if (err && typeof err === 'object' && typeof err.type === 'string' && BODY_ERRORS[err.type]) {
      ({ code, message } = BODY_ERRORS[err.type]!);
      detail = String(err.message);
    } else if (err && typeof err === 'object' && Number.isInteger(err.status) && err.status >= 400 && err.status < 500) {
      // Any other client error the framework raises (e.g. an undecodable path parameter).
      code = 'invalid_request';
      message = formatErrorMessage(code);
      detail = `${err.status}: ${String(err.message)}`;
    }
    const status = statusOf(code);
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
  const code: ErrorCode = 'not_found';
  res.locals.errorCode = code;
  res.status(statusOf(code)).json({ status: 'failed', errorMessage: formatErrorMessage(code), code });
};
