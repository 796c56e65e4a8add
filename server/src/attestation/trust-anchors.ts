/**
 * Extra attestation trust anchors: roots keygate trusts in addition to the ones
 * @simplewebauthn/server ships (android-key: Google Hardware Attestation Roots 1-4,
 * android-safetynet: GlobalSign Root CA, apple: Apple WebAuthn Root CA, mds: GlobalSign R3/R46).
 *
 * `addTrustAnchors({ 'android-safetynet': [pem, ...] })` appends the PEMs to the library's
 * `SettingsService` roots for that format (the defaults stay) and returns a function that
 * restores the previous lists exactly. Call it once at start-up for a deployment-wide policy,
 * or around one verification (the conformance runner, `scripts/conformance.ts`, does this per
 * vector). The roots are process-global, so do not scope them around concurrent requests.
 *
 * Beware formats with no default roots (packed, tpm, fido-u2f): while their list is empty the
 * library skips certificate-path validation entirely, but once a root is set EVERY attestation
 * of that format must chain to one. That is a policy change, not an "extra", so it is refused
 * unless `allowFirstAnchor` is passed.
 */
import { X509Certificate } from 'node:crypto';
import { SettingsService, type RootCertIdentifier } from '@simplewebauthn/server';

export type TrustAnchorMap = Partial<Record<RootCertIdentifier, readonly string[]>>;

export interface AddTrustAnchorsOptions {
  /** Allow anchors for a format that has none yet (makes chaining mandatory for it). */
  allowFirstAnchor?: boolean;
}

/**
 * Adds `extra` roots per format and returns a function restoring the previous roots.
 * Throws `TypeError` (misconfiguration) for a PEM that is not one X.509 certificate.
 */
export function addTrustAnchors(extra: TrustAnchorMap, opts: AddTrustAnchorsOptions = {}): () => void {
  const previous = new Map<RootCertIdentifier, string[]>();
  const planned = new Map<RootCertIdentifier, string[]>();
  // Validate everything before touching SettingsService, so a bad PEM changes nothing.
  for (const [format, pems] of Object.entries(extra) as [RootCertIdentifier, readonly string[] | undefined][]) {
    if (!pems || pems.length === 0) continue;
    const current = SettingsService.getRootCertificates({ identifier: format });
    if (current.length === 0 && !opts.allowFirstAnchor) {
      throw new TypeError(`trust anchors for "${format}": this format has no roots yet, so adding one would make certificate-path validation mandatory for it (pass allowFirstAnchor to mean that)`);
    }
    const known = new Set(current.map(fingerprint));
    const added: string[] = [];
    for (const [i, pem] of pems.entries()) {
      const cert = parsePem(pem, `${format}[${i}]`);
      if (known.has(cert.fingerprint256)) continue;
      known.add(cert.fingerprint256);
      added.push(cert.toString());
    }
    previous.set(format, current);
    planned.set(format, [...current, ...added]);
  }
  for (const [format, certificates] of planned) SettingsService.setRootCertificates({ identifier: format, certificates });
  return () => {
    for (const [format, certificates] of previous) SettingsService.setRootCertificates({ identifier: format, certificates });
  };
}

function parsePem(pem: string, label: string): X509Certificate {
  if (typeof pem !== 'string' || (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length !== 1) {
    throw new TypeError(`trust anchor ${label} must be exactly one PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new TypeError(`trust anchor ${label} is not a readable X.509 certificate: ${(err as Error).message}`);
  }
}

function fingerprint(pem: string): string {
  try {
    return new X509Certificate(pem).fingerprint256;
  } catch {
    return pem; // the library's own list: compare unparsable entries as text
  }
}
