/**
 * The records keygate stores. Binary values are Uint8Array, times are Date; optional fields
 * are absent (never null) when unknown. The store interfaces are in ports.ts.
 */

export type UserVerificationRequirement = 'required' | 'preferred' | 'discouraged';

export interface User {
  /** Opaque WebAuthn user handle (base64url of 32 random bytes); never derived from the username. */
  id: string;
  /** Normalised (NFKC, trimmed, lower-case) login name; unique. */
  username: string;
  displayName: string;
  createdAt: Date;
}

export interface StoredCredential {
  /** Credential id, base64url; unique across all users. */
  id: string;
  userId: string;
  /** COSE_Key bytes as the authenticator sent them. */
  publicKey: Uint8Array;
  /** COSE algorithm identifier of the public key (e.g. -7 ES256). */
  alg: number;
  counter: number;
  transports: string[];
  /** AAGUID as a lower-case UUID string (all zeros when the authenticator hides it). */
  aaguid: string;
  /** Attestation statement format: packed, fido-u2f, tpm, android-key, apple, none, ... */
  fmt: string;
  /** The whole attestationObject, kept so trust can be re-evaluated later (e.g. new MDS data). */
  attestationObject: Uint8Array;
  /** BE flag: the credential may be synced (a passkey); fixed at registration. */
  backupEligible: boolean;
  /** BS flag as last seen. */
  backedUp: boolean;
  /** UV flag at registration. */
  userVerified: boolean;
  /** credProps.rk as reported by the client, when it reported it. */
  discoverable?: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
  /** Set when an assertion's signature counter went backwards (WebAuthn §7.2 step 21). */
  possiblyCloned: boolean;
  /** A disabled credential cannot sign in. */
  disabled: boolean;
}

export type CeremonyKind = 'registration' | 'authentication';

/** A pending WebAuthn ceremony, keyed by the session that started it (one pending per session). */
export interface Ceremony {
  /** The id of the session that started it. */
  id: string;
  kind: CeremonyKind;
  /** base64url challenge that clientDataJSON.challenge must equal. */
  challenge: string;
  userVerification: UserVerificationRequirement;
  /** Registration: the user the credential will belong to (created on success when `newUser`). */
  userId?: string;
  username?: string;
  displayName?: string;
  newUser?: boolean;
  /** Authentication by username: the user, and the credential ids sent in allowCredentials. */
  allowCredentialIds?: string[];
  createdAt: Date;
  expiresAt: Date;
}

/** A signed-in session. Anonymous sessions exist only as a cookie id. */
export interface Session {
  id: string;
  userId: string;
  /** Credential used to sign in. */
  credentialId?: string;
  /** Whether that sign-in verified the user (UV flag). */
  userVerified: boolean;
  authenticatedAt: Date;
  expiresAt: Date;
}

export interface AuditEvent {
  /** e.g. registration.succeeded, authentication.failed, credential.possibly_cloned */
  type: string;
  at: Date;
  outcome: 'success' | 'failure';
  userId?: string;
  credentialId?: string;
  /** Client address as Express sees it (respects TRUST_PROXY). */
  ip?: string;
  /** Error code for failures. */
  code?: string;
  data?: Record<string, unknown>;
}
