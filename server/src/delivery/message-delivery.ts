/**
 * The delivery port: how keygate sends a short message (a one-time code, an approval link)
 * to a person by SMS or email, whatever carries it (a CPaaS webhook, SMTP, the developer
 * panel). Use cases depend on this interface only; `createDelivery` picks the adapter from
 * config (DELIVERY).
 */

export type DeliveryChannel = 'sms' | 'email';

export interface DeliveryMessage {
  /** The destination: an E.164 phone number for `sms`, an email address for `email` (validated by the caller). */
  to: string;
  channel: DeliveryChannel;
  /**
   * The message itself. It carries secrets (one-time codes), so no adapter ever logs it, puts
   * it in an error, or keeps it (the dev adapter excepted, which is refused in production).
   */
  text: string;
  /** Email subject; ignored for SMS. */
  subject?: string;
  /**
   * Chosen by the caller, one per logical message (e.g. the code's id): every attempt and
   * every retry of that message carries it, so a receiver that saw it already can drop the
   * duplicate. 1-200 printable ASCII characters.
   */
  idempotencyKey: string;
}

/**
 * Why a delivery failed, as a stable snake_case reason (callers and tests match on it, logs
 * carry it): never a library's error message, which may quote the destination or the text.
 */
export type DeliveryFailureReason =
  /** DELIVERY=none: nothing is configured to send messages. */
  | 'delivery_disabled'
  /** This adapter cannot carry the channel (SMTP and `sms`). */
  | 'unsupported_channel'
  /** The message broke the contract above (empty `to`, bad idempotency key, ...). */
  | 'invalid_message'
  /** The receiver refused it: HTTP 4xx other than 429, SMTP 5xx, a redirect. Retrying will not help. */
  | 'rejected'
  /** HTTP 429 or SMTP 4xx: the receiver asked to be tried later. */
  | 'rate_limited'
  /** HTTP 5xx. */
  | 'server_error'
  /** An attempt took longer than DELIVERY_TIMEOUT_MS. */
  | 'timeout'
  /** Connection refused or reset, DNS failure, TLS failure. */
  | 'network_error';

/**
 * What `send` resolves to; it never rejects.
 * - `delivered`: the receiver accepted the message (HTTP 2xx, SMTP 250). Not a promise that
 *   the phone or mailbox got it: only that the next hop took responsibility.
 * - `failed_permanently`: it will not be delivered by trying again (4xx, disabled, bad
 *   input); `httpStatus` / `smtpCode` say what the receiver answered, when it answered.
 * - `failed_after_retries`: every attempt (1 + DELIVERY_RETRIES) failed in a way that might
 *   have passed later; `reason` is that of the last attempt.
 * `attempts` counts the requests made (0 when none was).
 */
export type DeliveryResult =
  | { status: 'delivered'; attempts: number }
  | { status: 'failed_permanently'; attempts: number; reason: DeliveryFailureReason; httpStatus?: number; smtpCode?: number }
  | { status: 'failed_after_retries'; attempts: number; reason: DeliveryFailureReason; httpStatus?: number; smtpCode?: number };

export type DeliveryKind = 'webhook' | 'smtp' | 'dev' | 'none';

/**
 * The port. Contract of `send`:
 * - resolves, never rejects: every library error (fetch, nodemailer, a socket) is caught and
 *   becomes a `DeliveryResult` with a stable `reason`;
 * - never logs, and never returns, the message `text` or `subject` (they carry codes) nor the
 *   destination; log lines carry the channel, the attempt, the reason and the HTTP status;
 * - retries only what may pass later, with the same `idempotencyKey`, at most
 *   DELIVERY_RETRIES times, each attempt bounded by DELIVERY_TIMEOUT_MS, so one `send` takes
 *   at most about (1 + retries) x timeout plus the backoff;
 * - keeps no state between calls that another keygate instance would need.
 */
export interface MessageDelivery {
  readonly kind: DeliveryKind;
  /**
   * The channels this adapter can carry (SMTP: email only; none: neither): a feature that
   * needs a channel is offered only when it is listed. Sending on another one fails
   * permanently with `unsupported_channel`.
   */
  readonly channels: readonly DeliveryChannel[];
  send(message: DeliveryMessage): Promise<DeliveryResult>;
}

/** The contract's checks on a message, shared by the adapters: the reason it breaks it, or undefined. */
export function invalidMessage(m: DeliveryMessage): string | undefined {
  if (typeof m.to !== 'string' || m.to.length === 0 || m.to.length > 320 || /[\r\n]/.test(m.to)) return 'to';
  if (m.channel !== 'sms' && m.channel !== 'email') return 'channel';
  if (typeof m.text !== 'string' || m.text.length === 0) return 'text';
  if (m.subject !== undefined && (typeof m.subject !== 'string' || /[\r\n]/.test(m.subject))) return 'subject';
  if (typeof m.idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(m.idempotencyKey)) return 'idempotencyKey';
  return undefined;
}
