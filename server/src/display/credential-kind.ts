import type { StoredCredential } from '../storage/ports.js';

/**
 * What a person would call a credential, for display only (never a policy input): BE (a
 * signed flag) set → a synced passkey; otherwise the client's hints, `transports` and
 * credProps.rk, tell a device-bound passkey from a security key.
 */
export type CredentialKind = 'synced_passkey' | 'device_passkey' | 'security_key';

export function credentialKind(c: Pick<StoredCredential, 'backupEligible' | 'discoverable' | 'transports'>): CredentialKind {
  if (c.backupEligible) return 'synced_passkey';
  if (c.transports.includes('internal') || c.transports.includes('hybrid')) return 'device_passkey';
  if (c.discoverable === true && !c.transports.some((t) => t === 'usb' || t === 'nfc' || t === 'ble')) return 'device_passkey';
  return 'security_key';
}

const LABELS: Record<CredentialKind, string> = {
  synced_passkey: 'Synced passkey',
  device_passkey: 'Passkey on this device',
  security_key: 'Security key',
};

export function credentialKindLabel(kind: CredentialKind): string {
  return LABELS[kind];
}
