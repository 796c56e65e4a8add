import { X509Certificate } from 'node:crypto';
import { SettingsService } from '@simplewebauthn/server';

/**
 * Formats whose vendor roots keygate trusts without configuration: the roots
 * @simplewebauthn/server ships and already requires these formats to chain to (Apple WebAuthn
 * Root CA; Google's hardware attestation roots for android-key). Read from the library's
 * settings (never written), at build time. Not android-safetynet: SafetyNet says "an Android
 * device passed a software check", not which authenticator made the key.
 */
export const BUILT_IN_ANCHOR_FORMATS = ['apple', 'android-key'] as const;

/** The library's default roots for BUILT_IN_ANCHOR_FORMATS, parsed (an unparsable entry is skipped). */
export function builtInAnchors(): Map<string, X509Certificate[]> {
  const out = new Map<string, X509Certificate[]>();
  for (const format of BUILT_IN_ANCHOR_FORMATS) {
    const certs: X509Certificate[] = [];
    for (const pem of SettingsService.getRootCertificates({ identifier: format })) {
      try {
        certs.push(new X509Certificate(pem));
      } catch {
        // not a certificate keygate can use: leave it to the library
      }
    }
    out.set(format, certs);
  }
  return out;
}

/** Anchors per format from several sources, in order, without duplicates (by SHA-256 fingerprint). */
export function mergeAnchors(...sources: Map<string, X509Certificate[]>[]): Map<string, X509Certificate[]> {
  const out = new Map<string, X509Certificate[]>();
  for (const source of sources) {
    for (const [format, certs] of source) {
      const list = out.get(format) ?? [];
      for (const c of certs) if (!list.some((k) => k.fingerprint256 === c.fingerprint256)) list.push(c);
      out.set(format, list);
    }
  }
  return out;
}
