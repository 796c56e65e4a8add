/**
 * The one error hierarchy of keygate.
 *
 * Every failure a client can cause is a `KeygateError` with a stable snake_case `code`
 * (tests and integrators match on it), an HTTP `status`, a user-safe `message`, and an
 * optional developer `detail` that the error mapper shows only outside production.
 * Anything else that reaches the error mapper is a bug and becomes a 500 with the code
 * `internal_error` (and is logged); misconfiguration at start-up throws `TypeError`.
 */
export class KeygateError extends Error {
  readonly code: string;
  readonly status: number;
  /** Developer detail, e.g. "expected origin https://a.example, got http://evil". */
  readonly detail?: string;
  /** Extra reply headers, e.g. Retry-After. */
  readonly headers?: Record<string, string>;
  /** Extra reply fields a client acts on, e.g. `stepUp` or `retryAfterSeconds` (never secrets). */
  readonly fields?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, detail?: string, headers?: Record<string, string>, fields?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.headers = headers;
    this.fields = fields;
  }
}

/** 400: the request itself is malformed (shape, types, encoding). */
export class BadRequestError extends KeygateError {
  constructor(code: string, message: string, detail?: string) {
    super(400, code, message, detail);
  }
}

/** 400: a WebAuthn ceremony response failed one of the ordered verification checks. */
export class VerificationError extends KeygateError {
  constructor(code: string, message: string, detail?: string) {
    super(400, code, message, detail);
  }
}

/** 401: not signed in, or the sign-in attempt was refused. */
export class UnauthorizedError extends KeygateError {
  constructor(code: string, message: string, detail?: string) {
    super(401, code, message, detail);
  }
}

/** 403: signed in, but not allowed to do this. */
export class ForbiddenError extends KeygateError {
  constructor(code: string, message: string, detail?: string, fields?: Record<string, unknown>) {
    super(403, code, message, detail, undefined, fields);
  }
}

/** 429 `locked_out`: too many failed password, TOTP or recovery-code attempts. */
export class LockedOutError extends KeygateError {
  constructor(retryAfterSeconds: number, detail?: string) {
    super(429, 'locked_out', `Too many failed attempts. Try again in ${formatWait(retryAfterSeconds)}.`, detail, { 'Retry-After': String(retryAfterSeconds) }, { retryAfterSeconds });
  }
}

function formatWait(s: number): string {
  return s < 90 ? `${s} seconds` : `${Math.ceil(s / 60)} minutes`;
}

/** 404: an unknown id. */
export class NotFoundError extends KeygateError {
  constructor(code: string, message: string, detail?: string) {
    super(404, code, message, detail);
  }
}

/** 409: a uniqueness rule was hit (username, credential id). Nothing was written. */
export class ConflictError extends KeygateError {
  constructor(code: string, message: string, detail?: string) {
    super(409, code, message, detail);
  }
}

/** 503: the store cannot be reached; the request can be retried. */
export class StoreUnavailableError extends KeygateError {
  constructor(detail?: string) {
    super(503, 'store_unavailable', 'The service is temporarily unavailable. Please try again.', detail, {
      'Retry-After': '5',
    });
  }
}

/**
 * 503 `data_key_unavailable`: a stored secret (TOTP secret, signing key) was sealed with a
 * DATA_KEYS entry this process does not have, or it does not open. A deployment fault, not
 * input: logged by the error mapper, retryable once DATA_KEYS is fixed.
 */
export class DataKeyError extends KeygateError {
  constructor(detail: string) {
    super(503, 'data_key_unavailable', 'The service cannot read its stored secrets right now. Please try again later.', detail, { 'Retry-After': '30' });
  }
}
