/**
 * Certificate-path validation of an attestation statement's x5c (WebAuthn §7.1 step 22: "assess
 * the attestation trustworthiness"), done by keygate with node:crypto instead of the library
 * (which skips it when no root is configured and judges validity by the real clock).
 *
 * `verifyCertificatePath(x5c, anchors, now)` walks x5c from the leaf (x5c[0]) and succeeds at
 * the first certificate that
 *   - equals an anchor (an anchor itself appearing in x5c is fine, so is the leaf itself being
 *     configured as an anchor), or
 *   - was issued by an anchor (`checkIssued` + signature verified with the anchor's key);
 * otherwise the next x5c certificate must have issued it, and that issuer must be a CA
 * (basicConstraints cA). Every certificate on the path, the anchor included, must be valid at
 * `now` (validFrom <= now <= validTo); certificates after the point where the path reached an
 * anchor are ignored. Anchors are trusted by configuration: they need not be CA or self-signed.
 * No revocation checks (attestation roots publish no usable CRLs; MDS status covers
 * compromised models). Never throws: garbage input is `{ ok: false, reason }`.
 */
import { X509Certificate } from 'node:crypto';

/** Longest x5c accepted (leaf + intermediates); longer is refused before any parsing. */
export const MAX_CHAIN_LENGTH = 5;

export type CertificatePathResult = { ok: true; anchor: X509Certificate } | { ok: false; reason: string };

export function verifyCertificatePath(x5c: readonly Uint8Array[], anchors: readonly X509Certificate[], now: Date): CertificatePathResult {
  // 1. Shape: 1..MAX_CHAIN_LENGTH byte strings.
  if (!Array.isArray(x5c) || x5c.length === 0) return fail('x5c is empty');
  if (x5c.length > MAX_CHAIN_LENGTH) return fail(`x5c has ${x5c.length} certificates (at most ${MAX_CHAIN_LENGTH})`);
  if (anchors.length === 0) return fail('no anchors to chain to');

  // 2. Every x5c entry parses as DER X.509.
  const chain: X509Certificate[] = [];
  for (const [i, der] of x5c.entries()) {
    const cert = parseDer(der);
    if (!cert) return fail(`x5c[${i}] is not a readable X.509 certificate`);
    chain.push(cert);
  }

  // 3. Anchors usable at `now` (an expired root cannot vouch for anything).
  const usable = anchors.filter((a) => validAt(a, now));
  if (usable.length === 0) return fail('no anchor is valid at this time');

  // 4. Walk from the leaf until a certificate is an anchor or was issued by one.
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    const equal = usable.find((a) => sameCertificate(a, cert));
    if (equal) return { ok: true, anchor: equal };
    if (!validAt(cert, now)) return fail(`x5c[${i}] (${oneLineName(cert.subject)}) is not valid at ${now.toISOString()} (valid ${cert.validFrom} to ${cert.validTo})`);
    const issuer = usable.find((a) => issuedBy(cert, a));
    if (issuer) return { ok: true, anchor: issuer };
    const next = chain[i + 1];
    if (!next) return fail(`chain does not reach an anchor (x5c[${i}] issuer ${oneLineName(cert.issuer)} is not one)`);
    if (!issuedBy(cert, next)) return fail(`x5c[${i}] was not issued by x5c[${i + 1}]`);
    if (!next.ca) return fail(`x5c[${i + 1}] (${oneLineName(next.subject)}) issues certificates but is not a CA`);
  }
  return fail('chain does not reach an anchor'); // unreachable: the loop returns at the last certificate
}

/** A DER certificate parsed, or undefined for anything else (never throws). */
export function parseDer(der: unknown): X509Certificate | undefined {
  if (!(der instanceof Uint8Array) || der.length === 0) return undefined;
  try {
    return new X509Certificate(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
  } catch {
    return undefined;
  }
}

/** validFrom <= now <= validTo. */
export function validAt(cert: X509Certificate, now: Date): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  const t = now.getTime();
  return Number.isFinite(from) && Number.isFinite(to) && from <= t && t <= to;
}

/** `cert` names `issuer` as its issuer (names, key identifiers) and its signature verifies with issuer's key. */
export function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export function sameCertificate(a: X509Certificate, b: X509Certificate): boolean {
  return a.raw.equals(b.raw);
}

/** node:crypto's multi-line DN ("C=US\nO=...") on one line, comma-separated. */
export function oneLineName(name: string | undefined): string {
  // node:crypto gives `undefined` for an empty DN (TPM AIK certificates have one; their identity is in the SAN).
  return (name ?? '').split('\n').filter(Boolean).join(', ');
}

/** How a verdict names a certificate: `${subject} sha256:${fingerprint256}`. */
export function describeCertificate(cert: X509Certificate): string {
  return `${oneLineName(cert.subject)} sha256:${cert.fingerprint256}`;
}

function fail(reason: string): CertificatePathResult {
  return { ok: false, reason };
}
