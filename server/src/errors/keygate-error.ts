import { formatErrorMessage, statusOf, type CodeWithStatus, type ErrorCode, type MessageChoice } from './error-catalogue.js';

/** What a throw site may add to a code: the message variant (with its params), reply headers and fields. */
export type ErrorOptions<C extends ErrorCode> = MessageChoice<C> & {
  /** Extra reply headers, e.g. Retry-After. */
  headers?: Record<string, string>;
  /** Extra reply fields a client acts on, e.g. `stepUp` or `retryAfterSeconds` (never secrets). */
  fields?: Record<string, unknown>;
};

/**
 * The arguments of an error for one of the codes `C`: the code, the developer detail, and
 * options whose `variant` must be one of that code's (a union of tuples, so that the code
 * and its variant are checked together).
 */
export type ErrorArgs<C extends ErrorCode> = { [K in C]: [code: K, detail?: string, options?: ErrorOptions<K>] }[C];

/**
 * The one error hierarchy of keygate.
 *
 * Every failure a client can cause is a `KeygateError` with a stable snake_case `code` from
 * the catalogue (errors/error-catalogue.ts: tests and integrators match on it), which also
 * gives its HTTP `status` and its user-safe `message`; a throw site adds only an optional
 * developer `detail` (shown by the error mapper only outside production), a message variant
 * and reply headers/fields. Each subclass accepts only the codes whose catalogue status is
 * its own (a 404 code cannot be thrown as a `VerificationError`). Anything else that reaches
 * the error mapper is a bug and becomes a 500 `internal_error` (and is logged);
 * misconfiguration at start-up throws `TypeError`.
 */
export class KeygateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Developer detail, e.g. "expected origin https://a.example, got http://evil". */
  readonly detail?: string;
  /** Extra reply headers, e.g. Retry-After. */
  readonly headers?: Record<string, string>;
  /** Extra reply fields a client acts on, e.g. `stepUp` or `retryAfterSeconds` (never secrets). */
  readonly fields?: Record<string, unknown>;

  constructor(...[code, detail, options]: ErrorArgs<ErrorCode>) {
    super(formatErrorMessage(code, options as MessageChoice<ErrorCode> | undefined));
    this.name = new.target.name;
    this.status = statusOf(code);
    this.code = code;
    this.detail = detail;
    this.headers = options?.headers;
    this.fields = options?.fields;
  }
}

/** 400: the request itself is malformed (shape, types, encoding). */
export class BadRequestError extends KeygateError {
  declare readonly code: CodeWithStatus<400>;
  constructor(...args: ErrorArgs<CodeWithStatus<400>>) {
    super(...args);
  }
}

/** 400: a WebAuthn ceremony response failed one of the ordered verification checks. */
export class VerificationError extends KeygateError {
  declare readonly code: CodeWithStatus<400>;
  constructor(...args: ErrorArgs<CodeWithStatus<400>>) {
    super(...args);
  }
}

/** 401: not signed in, or the sign-in attempt was refused. */
export class UnauthorizedError extends KeygateError {
  declare readonly code: CodeWithStatus<401>;
  constructor(...args: ErrorArgs<CodeWithStatus<401>>) {
    super(...args);
  }
}

/** 403: signed in, but not allowed to do this. */
export class ForbiddenError extends KeygateError {
  declare readonly code: CodeWithStatus<403>;
  constructor(...args: ErrorArgs<CodeWithStatus<403>>) {
    super(...args);
  }
}

/** 404: an unknown id. */
export class NotFoundError extends KeygateError {
  declare readonly code: CodeWithStatus<404>;
  constructor(...args: ErrorArgs<CodeWithStatus<404>>) {
    super(...args);
  }
}

/** 409: a uniqueness rule was hit (username, credential id) or a concurrent change won. Nothing was written. */
export class ConflictError extends KeygateError {
  declare readonly code: CodeWithStatus<409>;
  constructor(...args: ErrorArgs<CodeWithStatus<409>>) {
    super(...args);
  }
}

/** 429 `locked_out`: too many failed password, TOTP or recovery-code attempts. */
export class LockedOutError extends KeygateError {
  declare readonly code: 'locked_out';
  constructor(retryAfterSeconds: number, detail?: string) {
    super('locked_out', detail, {
      variant: 'wait',
      params: { wait: formatWait(retryAfterSeconds) },
      headers: { 'Retry-After': String(retryAfterSeconds) },
      fields: { retryAfterSeconds },
    });
  }
}

function formatWait(s: number): string {
  return s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`;
}

/** 503 `store_unavailable`: the store cannot be reached; the request can be retried. */
export class StoreUnavailableError extends KeygateError {
  declare readonly code: 'store_unavailable';
  constructor(detail?: string) {
    super('store_unavailable', detail, { headers: { 'Retry-After': '5' } });
  }
}

/**
 * 503 `data_key_unavailable`: a stored secret (TOTP secret, signing key) was sealed with a
 * DATA_KEYS entry this process does not have, or it does not open. A deployment fault, not
 * input: logged by the error mapper, retryable once DATA_KEYS is fixed.
 */
export class DataKeyError extends KeygateError {
  declare readonly code: 'data_key_unavailable';
  constructor(detail: string) {
    super('data_key_unavailable', detail, { headers: { 'Retry-After': '30' } });
  }
}
