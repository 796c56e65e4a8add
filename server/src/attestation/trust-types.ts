/**
 * The contracts between attestation trust (attestation-trust.ts), the FIDO MDS3 metadata
 * (metadata-service.ts) and their users (ceremonies/, policy/, the admin API). Trust is an
 * injected service (`Deps.trust`), never process-global library settings, so two apps in one
 * process can hold different roots.
 */
import type { AttestationVerdict, MetadataCache, MetadataEntry, MetadataRefresh } from '../storage/ports.js';

/** The MDS3 entries keygate currently believes, by AAGUID (lower-case UUID with dashes). */
export interface MetadataLookup {
  entry(aaguid: string): MetadataEntry | undefined;
}

/** What an attestation statement is judged on: the decoded attestationObject of a verified registration. */
export interface AttestationInput {
  fmt: string;
  /** The decoded attStmt map (x5c as Uint8Array[] DER, alg, sig, ...). */
  attStmt: Map<string, unknown>;
  /** authData's AAGUID, lower-case UUID with dashes. */
  aaguid: string;
  /** Certificates are judged valid at this time (the app's clock). */
  now: Date;
}

/**
 * The MDS3 status of an AAGUID now: the latest statusReport whose effectiveDate is not in the
 * future (a report without effectiveDate counts as in effect). `refused` for REVOKED,
 * ATTESTATION_KEY_COMPROMISE, USER_VERIFICATION_BYPASS, USER_KEY_REMOTE_COMPROMISE and
 * USER_KEY_PHYSICAL_COMPROMISE. `listed: false` when the BLOB has no entry for it.
 */
export interface MetadataStatusVerdict {
  listed: boolean;
  status?: string;
  effectiveDate?: string;
  refused: boolean;
}

export interface TrustService {
  /**
   * keygate's own trust verdict on an attestation the library already verified (signature
   * and format rules): trusted only when the statement has an x5c chain that reaches a
   * configured anchor for its format, or an MDS3 attestationRootCertificate of the entry for
   * its AAGUID (or, under the dev policy only, Chrome's virtual-authenticator batch
   * certificate), every certificate valid at `now`, and, when the leaf has the
   * id-fido-gen-ce-aaguid extension, that AAGUID equal to authData's. `none` and self
   * attestation are never trusted. Never throws for a bad chain: that is `trusted: false`
   * with the reason.
   */
  evaluate(input: AttestationInput): AttestationVerdict;
  /** The MDS3 status of this AAGUID now (attestation/mds-status.ts). */
  metadataStatus(aaguid: string, now: Date): MetadataStatusVerdict;
  /** The model name for display: MDS description, else the built-in AAGUID list, else null. */
  modelName(aaguid: string): string | null;
}

/** What the admin API shows as MDS status. */
export interface MetadataServiceStatus {
  configured: boolean;
  /** Where BLOBs come from (MDS_URL or MDS_FILE), when configured. */
  source?: string;
  no?: number;
  nextUpdate?: string;
  entries: number;
  storedAt?: Date;
  lastRefresh?: MetadataRefresh;
}

export interface MetadataService extends MetadataLookup {
  /**
   * Loads the cached BLOB from the store, then tries a refresh from the source; a refresh that
   * fails leaves the cached BLOB in use (a restart works offline) and is recorded. Schedules
   * the next refresh at the BLOB's nextUpdate (and at least every `pollSeconds`, to pick up a
   * BLOB another instance stored). Resolves once the first load attempt is over.
   */
  start(): Promise<void>;
  stop(): void;
  /**
   * One refresh: read the source, verify the BLOB (JWT signature chained to the configured
   * root, the chain's CRLs), store it if its `no` is above the cached one, then adopt the
   * store's newest BLOB. Records the outcome. Never throws.
   */
  refresh(): Promise<MetadataRefresh>;
  /** Called after the BLOB in use changed (this instance stored it or read a newer one from the store). */
  onChange(listener: (cache: MetadataCache) => Promise<void> | void): void;
  status(): Promise<MetadataServiceStatus>;
}
