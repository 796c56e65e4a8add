/**
 * WebAuthn client extension inputs a caller may ask keygate to pass on to the browser
 * (WebAuthn L3 §10, CTAP 2.1 §12). Others are dropped: keygate does not process their
 * outputs, and echoing arbitrary client-chosen objects into options serves no one.
 *
 * `appid` (FIDO U2F AppID, WebAuthn §10.1.1) is not passed on: it only helps credentials
 * registered through the legacy U2F API under another AppID, which keygate never has (every
 * keygate credential is scoped to RP_ID), and honouring a caller-chosen AppID would accept
 * assertions scoped to any origin the caller names. A U2F key registered through WebAuthn
 * signs for RP_ID and needs no extension.
 */
const REGISTRATION = new Set(['credProps', 'credProtect', 'enforceCredentialProtectionPolicy', 'credentialProtectionPolicy', 'minPinLength', 'largeBlob', 'prf', 'hmacCreateSecret', 'credBlob', 'appidExclude', 'uvm']);
const AUTHENTICATION = new Set(['largeBlob', 'prf', 'getCredBlob', 'uvm']);

export function allowedExtensions(kind: 'registration' | 'authentication', input: Record<string, unknown> | undefined): Record<string, unknown> {
  const allowed = kind === 'registration' ? REGISTRATION : AUTHENTICATION;
  return Object.fromEntries(Object.entries(input ?? {}).filter(([name]) => allowed.has(name)));
}
