import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * What is known of the request being handled: `reqId`, which every log line written inside
 * `withLogContext` carries, and the client's `ip` and `userAgent`, which only the audit trail
 * records (not every log line).
 */
export type LogContext = Readonly<{ reqId: string; ip?: string; userAgent?: string }>;

const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` (and everything it starts, awaited or not) so that every line any logger made by
 * `createLogger` writes meanwhile carries `fields`: this is how the request id reaches the
 * lines that use cases write through `deps.logger` without knowing about requests.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return logContext.run(fields, fn);
}

/** The fields of the current `withLogContext`, if any. */
export function currentLogContext(): LogContext | undefined {
  return logContext.getStore();
}

/**
 * What is never written to a log, wherever it appears in a logged object: secrets, passwords,
 * one-time codes, challenges, cookies and credentials in headers, whole credential responses.
 * (`code` alone is NOT here: it is keygate's stable error code. Request bodies are never
 * logged at all.) Developer `detail` strings are kept but scrubbed, see `scrubDetail`.
 */
export const REDACT_PATHS = [
  'password', '*.password', 'newPassword', '*.newPassword',
  'secret', '*.secret', 'clientSecret', '*.clientSecret', 'client_secret', '*.client_secret',
  'sessionSecret', '*.sessionSecret', 'hmacSecret', '*.hmacSecret', 'dataKeys', '*.dataKeys', 'metricsToken', '*.metricsToken',
  'challenge', '*.challenge', 'otpauthUri', '*.otpauthUri', 'codes', '*.codes', 'totpCode', '*.totpCode',
  'token', '*.token', 'refreshToken', '*.refreshToken', 'privateKey', '*.privateKey', 'privateJwk', '*.privateJwk',
  'cookie', '*.cookie', 'authorization', '*.authorization', 'headers.cookie', 'headers.authorization', '*.headers.cookie', '*.headers.authorization',
  'headers["set-cookie"]', '*.headers["set-cookie"]',
  'response.attestationObject', 'response.clientDataJSON', 'response.authenticatorData', 'response.signature',
  'credential.publicKey', '*.credential.publicKey', 'attestationObject', '*.attestationObject',
  // Request bodies are never logged; body-parser errors carry the raw body as `body`.
  'body', '*.body',
  'detail', '*.detail', '*.*.detail',
];

/**
 * A developer `detail` with every long base64url/hex run (challenges, credential and session
 * ids, hashes) replaced: "expected challenge Qm9v…, got …" must not put the challenge in a log.
 * Origins, usernames and error words survive, so the line still says what went wrong.
 */
export function scrubDetail(detail: unknown): unknown {
  if (typeof detail !== 'string') return detail;
  // A long run with a digit or symbol is an encoding; a long plain word ("authenticatorData") is not.
  return detail.replace(/[A-Za-z0-9_+/=-]{16,}/g, (run) => (/[0-9_+/=-]/.test(run) || run.length >= 24 ? '[redacted]' : run));
}

/**
 * The one logger: pino, JSON lines on stdout (or `destination`, which tests use to capture
 * lines). Lines carry `service: "keygate"`, the current log context (`reqId`), and never a
 * value under `REDACT_PATHS`. Tests usually pass `silentLogger`.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keygate' },
    // A fresh object each line: pino merges the line's fields INTO what mixin returns.
    mixin: () => {
      const reqId = logContext.getStore()?.reqId;
      return reqId === undefined ? {} : { reqId };
    },
    redact: {
      paths: REDACT_PATHS,
      censor: (value: unknown, path: string[]) => (path[path.length - 1] === 'detail' ? scrubDetail(value) : '[Redacted]'),
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export const silentLogger: Logger = pino({ level: 'silent' });
