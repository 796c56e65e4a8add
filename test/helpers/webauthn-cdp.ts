/**
 * Chromium virtual authenticators for Playwright tests, over the Chrome DevTools Protocol
 * `WebAuthn` domain. Self-contained (only `playwright-core`): copy it into your own project.
 *
 * Usage:
 *   const page = await context.newPage();
 *   const cdp = await enableVirtualAuthenticators(page);   // BEFORE the page calls WebAuthn
 *   const key = await addSecurityKey(cdp, { protocol: 'ctap2', uv: true });
 *   await page.goto('http://localhost:3000/');             // "localhost", never 127.0.0.1
 *   ... click through registration / sign-in ...
 *   const [cred] = await getCredentials(cdp, key);          // ids in base64url, like your RP
 *
 * Contracts and pitfalls (Chromium 156, playwright-core 1.65):
 *  - A virtual authenticator belongs to ONE tab (the CDP session's target), not the browser
 *    context. A tab without `WebAuthn.enable` never settles navigator.credentials calls
 *    (not even after the options' timeout), so enable on every tab that does WebAuthn,
 *    and bound your waits (`page.setDefaultTimeout`). Enabling before navigating is fine:
 *    authenticators and their credentials survive navigations and reloads.
 *  - With `enableUI: false` (the default here) there is no prompt: presence is simulated
 *    (see `setPresenceSimulation`), a modal request picks a matching credential at once,
 *    and a conditional (autofill) request resolves at once when a discoverable credential
 *    exists, or fails with NotAllowedError when none does.
 *  - CDP binary fields are standard base64 WITH padding; WebAuthn RPs and SimpleWebAuthn
 *    use base64url. Every function here takes and returns base64url and converts itself.
 *  - Every call is bounded by `CDP_TIMEOUT_MS` and rejects with the method name on timeout.
 */
import type { CDPSession, Page } from 'playwright-core';

export const CDP_TIMEOUT_MS = 10_000;

/** Options of `WebAuthn.addVirtualAuthenticator` (playwright-core does not export the Protocol types). */
export interface VirtualAuthenticatorOptions {
  protocol: 'ctap2' | 'u2f';
  ctap2Version?: 'ctap2_0' | 'ctap2_1';
  transport: 'usb' | 'nfc' | 'ble' | 'cable' | 'internal';
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
  automaticPresenceSimulation?: boolean;
  defaultBackupEligibility?: boolean;
  defaultBackupState?: boolean;
}

/** A credential stored in a virtual authenticator; binary fields in base64url. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  /** PKCS#8 private key (base64url). Copying it into another authenticator clones the credential. */
  privateKey: string;
  /** WebAuthn user handle (base64url); required for resident credentials. */
  userHandle?: string;
  signCount: number;
  userName?: string;
  backupEligibility?: boolean;
  backupState?: boolean;
}

/** base64url (RP side) → base64 with padding (CDP side). */
export const toCdpBase64 = (b64url: string): string => Buffer.from(b64url, 'base64url').toString('base64');
/** base64 with padding (CDP side) → base64url (RP side). */
export const fromCdpBase64 = (b64: string): string => Buffer.from(b64, 'base64').toString('base64url');

/** `cdp.send` bounded by `CDP_TIMEOUT_MS`. */
async function send<T>(cdp: CDPSession, method: string, params: object): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`CDP ${method} did not answer within ${CDP_TIMEOUT_MS} ms`)), CDP_TIMEOUT_MS);
  });
  try {
    return (await Promise.race([(cdp.send as (m: string, p: object) => Promise<T>)(method, params), timeout])) as T;
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a CDP session on the page's tab and sends `WebAuthn.enable`. Call before any WebAuthn use in that tab. */
export async function enableVirtualAuthenticators(page: Page, opts: { enableUI?: boolean } = {}): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await send(cdp, 'WebAuthn.enable', { enableUI: opts.enableUI ?? false });
  return cdp;
}

/** Adds any virtual authenticator; resolves with its `authenticatorId`. Presence is simulated unless told otherwise. */
export async function addVirtualAuthenticator(cdp: CDPSession, options: VirtualAuthenticatorOptions): Promise<string> {
  const r = await send<{ authenticatorId: string }>(cdp, 'WebAuthn.addVirtualAuthenticator', { options: { automaticPresenceSimulation: true, ...options } });
  return r.authenticatorId;
}

/**
 * A roaming USB security key. `ctap2` (default): resident keys and, with `uv` (default
 * true), a PIN that passes; packed attestation, AAGUID 01020304-0506-0708-0102-030405060708.
 * `u2f`: a legacy key: fido-u2f attestation, all-zero AAGUID, no resident keys, no UV.
 */
export function addSecurityKey(cdp: CDPSession, opts: { protocol?: 'ctap2' | 'u2f'; uv?: boolean; residentKeys?: boolean } = {}): Promise<string> {
  const u2f = opts.protocol === 'u2f';
  const uv = !u2f && (opts.uv ?? true);
  return addVirtualAuthenticator(cdp, {
    protocol: u2f ? 'u2f' : 'ctap2',
    transport: 'usb',
    hasResidentKey: !u2f && (opts.residentKeys ?? true),
    hasUserVerification: uv,
    isUserVerified: uv,
  });
}

/**
 * A platform authenticator (transport `internal`, like Windows Hello or Touch ID) with
 * resident keys and working user verification. `synced: true` sets the BE/BS flags on
 * new credentials, as a synced passkey provider would.
 */
export function addPlatformAuthenticator(cdp: CDPSession, opts: { uv?: boolean; synced?: boolean } = {}): Promise<string> {
  const uv = opts.uv ?? true;
  return addVirtualAuthenticator(cdp, {
    protocol: 'ctap2',
    transport: 'internal',
    hasResidentKey: true,
    hasUserVerification: true,
    isUserVerified: uv,
    ...(opts.synced ? { defaultBackupEligibility: true, defaultBackupState: true } : {}),
  });
}

export async function removeVirtualAuthenticator(cdp: CDPSession, authenticatorId: string): Promise<void> {
  await send(cdp, 'WebAuthn.removeVirtualAuthenticator', { authenticatorId });
}

/**
 * Whether the next user verification (PIN/biometric) succeeds. With `false` and UV
 * required or preferred, Chromium itself rejects with NotAllowedError: nothing reaches
 * the RP. To test the RP's own UV check, use `setResponseOverrideBits({ isBadUV: true })`.
 */
export async function setUserVerified(cdp: CDPSession, authenticatorId: string, isUserVerified: boolean): Promise<void> {
  await send(cdp, 'WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
}

/** Makes responses lie: UV or UP flag cleared, or a bogus signature. `{}` clears all. */
export async function setResponseOverrideBits(cdp: CDPSession, authenticatorId: string, bits: { isBadUV?: boolean; isBadUP?: boolean; isBogusSignature?: boolean }): Promise<void> {
  await send(cdp, 'WebAuthn.setResponseOverrideBits', { authenticatorId, ...bits });
}

/** Off: requests wait (like a user who has not touched the key yet) until the options' timeout or an abort. */
export async function setPresenceSimulation(cdp: CDPSession, authenticatorId: string, enabled: boolean): Promise<void> {
  await send(cdp, 'WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
}

/** The authenticator's credentials, binary fields converted to base64url. */
export async function getCredentials(cdp: CDPSession, authenticatorId: string): Promise<VirtualCredential[]> {
  const { credentials } = await send<{ credentials: VirtualCredential[] }>(cdp, 'WebAuthn.getCredentials', { authenticatorId });
  return credentials.map((c) => ({
    ...c,
    credentialId: fromCdpBase64(c.credentialId),
    privateKey: fromCdpBase64(c.privateKey),
    ...(c.userHandle ? { userHandle: fromCdpBase64(c.userHandle) } : {}),
  }));
}

/** Injects a credential (e.g. one read with `getCredentials`, with a lower `signCount` to simulate a clone). */
export async function addCredential(cdp: CDPSession, authenticatorId: string, credential: VirtualCredential): Promise<void> {
  await send(cdp, 'WebAuthn.addCredential', {
    authenticatorId,
    credential: {
      ...credential,
      credentialId: toCdpBase64(credential.credentialId),
      privateKey: toCdpBase64(credential.privateKey),
      ...(credential.userHandle ? { userHandle: toCdpBase64(credential.userHandle) } : {}),
    },
  });
}

/** Deletes one credential (id in base64url) from the authenticator. */
export async function removeCredential(cdp: CDPSession, authenticatorId: string, credentialId: string): Promise<void> {
  await send(cdp, 'WebAuthn.removeCredential', { authenticatorId, credentialId: toCdpBase64(credentialId) });
}
