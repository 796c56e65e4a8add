/** Plain-words labels for what keygate reports about credentials. */
import type { CredentialKind } from './api.js';

const KINDS: Record<CredentialKind, string> = {
  security_key: 'Security key',
  device_passkey: 'Device-bound passkey',
  synced_passkey: 'Synced passkey',
};

const TRANSPORTS: Record<string, string> = {
  usb: 'USB',
  nfc: 'NFC',
  ble: 'Bluetooth',
  'smart-card': 'Smart card',
  hybrid: 'Phone or tablet (hybrid)',
  internal: 'Built into this device',
  cable: 'Phone or tablet nearby',
};

export function kindLabel(kind: CredentialKind): string {
  return KINDS[kind] ?? kind;
}

export function transportsLabel(transports: string[]): string {
  return transports.length === 0 ? 'Not reported' : transports.map((t) => TRANSPORTS[t] ?? t).join(', ');
}

/** A date in the reader's locale; `never` for null. */
export function when(iso: string | null, never = 'Never'): string {
  if (!iso) return never;
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** A wait in words: "45 seconds", "1 minute", "15 minutes" (rounded up to whole minutes from 60 s). */
export function waitLabel(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  const m = Math.ceil(s / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/** RFC 8176 `amr` values as keygate uses them (docs: DESIGN "What a login proves"). */
const AMR: Record<string, string> = {
  pwd: 'password',
  hwk: 'hardware security key',
  swk: 'security key or passkey',
  user: 'user verification',
  pin: 'PIN',
  otp: 'authenticator app code',
  sms: 'code by text message',
  kba: 'recovery code',
};

/** The acr of a password + SMS/email code sign-in: there `otp` is a code by email, not an app's. */
const ACR_OOB = 'urn:keygate:acr:oob';

/** "password + security key or passkey (mfa)": what a sign-in proved; `mfa` becomes the suffix. `acr` tells an email code (`otp` at acr oob) from an app's. */
export function amrLabel(amr: string[] | undefined, acr?: string): string {
  if (!amr || amr.length === 0) return 'not reported';
  const parts = amr.filter((a) => a !== 'mfa').map((a) => (a === 'otp' && acr === ACR_OOB ? 'code by email' : AMR[a] ?? a));
  return `${parts.join(' + ') || 'multiple factors'}${amr.includes('mfa') ? ' (mfa)' : ''}`;
}

/** A JWT NumericDate (seconds since the epoch) in the reader's locale, to the second. */
export function instant(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
