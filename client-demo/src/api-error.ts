/**
 * A refusal from keygate (or a reply that is not keygate JSON), with the fields of the error
 * body that the demo acts on.
 *
 * Contract: `code` is keygate's stable snake_case code (`bad_reply` when the reply was not
 * keygate JSON), `message` its plain-words `errorMessage`, `detail` the developer detail
 * (absent in production). Extra body fields are kept when present and well-formed:
 *  - `stepUp` (403 `step_up_required`): which confirmations keygate accepts, and how fresh;
 *  - `retryAfterSeconds` (429 `locked_out`, `rate_limited`): from the body, else from the
 *    HTTP `Retry-After` header (delta-seconds form);
 *  - `recovery` (replies about recovery codes): how many remain.
 */

/** What a step-up may be confirmed with (a subset of these, in keygate's order of preference). */
export type StepUpMethod = 'webauthn' | 'password+webauthn' | 'password+totp' | 'password+sms' | 'password+email' | 'password+recovery_code';

export interface StepUpChallenge {
  accepts: StepUpMethod[];
  maxAgeSeconds: number;
}

export interface RecoveryInfo {
  remaining: number;
  addNewKey?: boolean;
}

export interface ApiErrorExtras {
  stepUp?: StepUpChallenge;
  retryAfterSeconds?: number;
  recovery?: RecoveryInfo;
}

export class ApiError extends Error {
  readonly stepUp?: StepUpChallenge;
  readonly retryAfterSeconds?: number;
  readonly recovery?: RecoveryInfo;

  constructor(
    /** HTTP status (0 when the reply was not keygate JSON). */
    readonly status: number,
    /** keygate's stable error code, e.g. `user_verification_missing`. */
    readonly code: string,
    /** keygate's plain-words message, fit to show to the user. */
    message: string,
    /** Developer detail (absent in production). */
    readonly detail?: string,
    extras: ApiErrorExtras = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.stepUp = extras.stepUp;
    this.retryAfterSeconds = extras.retryAfterSeconds;
    this.recovery = extras.recovery;
  }
}

/** Picks the extras out of a parsed error body and the reply's headers; ignores malformed ones. */
export function extrasOf(body: Record<string, unknown>, headers: Headers): ApiErrorExtras {
  const extras: ApiErrorExtras = {};
  const s = body.stepUp as Partial<StepUpChallenge> | undefined;
  if (s && Array.isArray(s.accepts)) {
    extras.stepUp = { accepts: s.accepts.filter((a): a is StepUpMethod => typeof a === 'string'), maxAgeSeconds: Number(s.maxAgeSeconds) || 0 };
  }
  const header = Number(headers.get('retry-after'));
  if (typeof body.retryAfterSeconds === 'number' && body.retryAfterSeconds >= 0) extras.retryAfterSeconds = body.retryAfterSeconds;
  else if (Number.isFinite(header) && header >= 0 && headers.get('retry-after')) extras.retryAfterSeconds = header;
  const r = body.recovery as Partial<RecoveryInfo> | undefined;
  if (r && typeof r.remaining === 'number') extras.recovery = { remaining: r.remaining, addNewKey: r.addNewKey };
  return extras;
}
