/**
 * WebAuthn client extension inputs a caller may ask keygate to pass on to the browser
 * (WebAuthn L3 §10, CTAP 2.1 §12). Others are dropped: keygate does not process their
 * outputs, and echoing arbitrary client-chosen objects into options serves no one.
 */
const REGISTRATION = new Set(['credProps', 'credProtect', 'enforceCredentialProtectionPolicy', 'credentialProtectionPolicy', 'minPinLength', 'largeBlob', 'prf', 'hmacCreateSecret', 'credBlob', 'appidExclude', 'uvm']);
const AUTHENTICATION = new Set(['appid', 'largeBlob', 'prf', 'getCredBlob', 'uvm']);

export function allowedExtensions(kind: 'registration' | 'authentication', input: Record<string, unknown> | undefined): Record<string, unknown> {
  const allowed = kind === 'registration' ? REGISTRATION : AUTHENTICATION;
  return Object.fromEntries(Object.entries(input ?? {}).filter(([name]) => allowed.has(name)));
}
