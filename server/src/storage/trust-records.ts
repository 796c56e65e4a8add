/** Records of attestation trust and administration (the MDS3 BLOB, one-time links); exported by records.ts. */

/** One authenticator model from the FIDO MDS3 BLOB, reduced to what keygate decides on. */
export interface MetadataEntry {
  aaguid: string;
  description: string;
  /** statusReports as the BLOB lists them: status and effectiveDate (YYYY-MM-DD, may be absent). */
  statusReports: { status: string; effectiveDate?: string }[];
  /** metadataStatement.attestationRootCertificates: base64 (not url) DER certificates. */
  attestationRootCertificates: string[];
  /** metadataStatement.attestationTypes, keyProtection, attachmentHint, when present. */
  attestationTypes?: string[];
  keyProtection?: string[];
  attachmentHint?: string[];
}

/** The newest verified MDS3 BLOB every instance uses: ONE document, replaced only by a higher `no`. */
export interface MetadataCache {
  /** The BLOB's serial number (`no`). */
  no: number;
  /** The BLOB's `nextUpdate` (YYYY-MM-DD): when to fetch again. */
  nextUpdate: string;
  entries: MetadataEntry[];
  /** Where it came from (file path or URL), and when it was verified and stored. */
  source: string;
  storedAt: Date;
}

/** The outcome of the last refresh attempt (any instance's), for the admin API's MDS status. */
export interface MetadataRefresh {
  at: Date;
  /** The BLOB number that attempt saw, when it could read one. */
  no?: number;
  /** Why the attempt did not store a BLOB (bad signature, `no` not above the cached one, fetch failed); absent on success. */
  error?: string;
}

/**
 * A one-time link (`npm run create-admin` prints one, an administrator issues one for a user who
 * lost every factor): lets `userId` register one new key without signing in. Stored by the
 * keyed hash of its secret (never the secret); single use, expires.
 */
export interface OneTimeLink {
  /** HMAC-SHA-256 (HMAC_SECRET) of the link's secret, base64url. */
  id: string;
  userId: string;
  /** `first_key`: a bootstrapped admin's first key. `recovery`: support-assisted recovery (ends the user's other sessions when used). */
  purpose: 'first_key' | 'recovery';
  /** The administrator who issued it, when one did. */
  createdBy?: string;
  createdAt: Date;
  expiresAt: Date;
}
