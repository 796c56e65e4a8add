/**
 * Turns any failure of a ceremony or API call into words a person can act on.
 *
 * Contract of `explain(err, during)`:
 *  - keygate refusals (`ApiError`) show keygate's own `errorMessage` (already plain words,
 *    from the server's error catalogue), except the codes in `KEYGATE_WORDS`
 *    (`locked_out`/`rate_limited`), which always say how long to wait (from
 *    `retryAfterSeconds` or the Retry-After header);
 *  - browser WebAuthn errors (DOMException names, or @simplewebauthn/browser's
 *    `WebAuthnError` with its `code`) map to fixed sentences below;
 *  - `aborted` is true when the ceremony was cancelled on purpose by the page (another
 *    ceremony replaced it): callers show nothing for those;
 *  - `code` is what the developer panel shows: keygate's code, the library's code, or the
 *    DOMException name.
 */
import type { ErrorCode } from '../../server/src/errors/error-catalogue.js';
import { ApiError } from './api.js';
import { waitLabel } from './format.js';

export interface Explained {
  message: string;
  code: string;
  aborted: boolean;
}

const CANCELLED = 'The request was cancelled or timed out. Try again, and when asked, touch your security key or confirm with your device (PIN, fingerprint or face).';

const BY_CODE: Record<string, string> = {
  ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED: 'This security key is already registered to this account. Use a different security key or passkey, or sign in with this one.',
  ERROR_AUTHENTICATOR_MISSING_DISCOVERABLE_CREDENTIAL_SUPPORT: 'This authenticator cannot store a passkey. Choose "Security key" instead, or use another device.',
  ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT: 'This authenticator cannot check a PIN or biometric. Choose a different "Ask for PIN or biometric" setting, or use another authenticator.',
  ERROR_AUTO_REGISTER_USER_VERIFICATION_FAILURE: 'Your authenticator could not verify you. Please try again.',
  ERROR_AUTHENTICATOR_NO_SUPPORTED_PUBKEYCREDPARAMS_ALG: 'This authenticator does not support any of the key types this site accepts.',
  ERROR_INVALID_DOMAIN: 'Passkeys do not work at this address. Open the site by its name (for example http://localhost:3000), not by an IP address.',
  ERROR_INVALID_RP_ID: 'This site is not set up for the address you opened it at. Open it at the address the server is configured for.',
  ERROR_AUTHENTICATOR_GENERAL_ERROR: 'Your authenticator reported an error. Try again, or use another security key or passkey.',
};

const BY_NAME: Record<string, string> = {
  NotAllowedError: CANCELLED,
  InvalidStateError: BY_CODE.ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED!,
  NotSupportedError: 'This browser or authenticator does not support what was asked. Try another authenticator.',
  SecurityError: BY_CODE.ERROR_INVALID_RP_ID!,
  ConstraintError: BY_CODE.ERROR_AUTHENTICATOR_MISSING_USER_VERIFICATION_SUPPORT!,
  UnknownError: BY_CODE.ERROR_AUTHENTICATOR_GENERAL_ERROR!,
};

export function explain(err: unknown): Explained {
  if (err instanceof ApiError) return { message: apiMessage(err), code: err.code, aborted: false };
  const e = err as { name?: string; code?: string; message?: string } | undefined;
  const name = e?.name ?? 'Error';
  const code = typeof e?.code === 'string' ? e.code : name;
  if (code === 'ERROR_CEREMONY_ABORTED' || name === 'AbortError') return { message: 'Cancelled.', code, aborted: true };
  if (BY_CODE[code]) return { message: BY_CODE[code]!, code, aborted: false };
  if (BY_NAME[name]) return { message: BY_NAME[name]!, code, aborted: false };
  if (name === 'TypeError' && /fetch|network/i.test(e?.message ?? '')) {
    return { message: 'Could not reach the server. Check your connection and try again.', code: 'network_error', aborted: false };
  }
  if (/not supported in this browser/i.test(e?.message ?? '')) {
    return { message: 'This browser does not support security keys or passkeys. Try a current version of Chrome, Edge, Firefox or Safari.', code: 'webauthn_unsupported', aborted: false };
  }
  // Raw exception text is for developers (the dev panel shows the code); people get plain words.
  return { message: 'Something went wrong with your security key or passkey. Please try again, or use another one.', code, aborted: false };
}

/**
 * keygate codes the demo words itself, given how long to wait. Keyed by the server's
 * catalogue (a type-only import: a misspelt code does not compile), and checked against it
 * by test/unit/error-catalogue.test.ts.
 */
export const KEYGATE_WORDS: Partial<Record<ErrorCode, (wait: string) => string>> = {
  locked_out: (wait) => `Too many wrong attempts: signing in to this account is paused for your security. Try again in ${wait}.`,
  rate_limited: (wait) => `Too many requests from this network. Try again in ${wait}.`,
};

function apiMessage(err: ApiError): string {
  const words = KEYGATE_WORDS[err.code as ErrorCode];
  if (!words) return err.message;
  return words(err.retryAfterSeconds === undefined ? 'a few minutes' : waitLabel(err.retryAfterSeconds));
}
