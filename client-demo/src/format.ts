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
