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
  /**
   * The user's role: which per-role policy (policy/role-policy.ts, POLICY_FILE) applies to
   * their credentials and sign-ins. Absent means `user`. `admin` may use the /admin/ API.
   */
  role?: string;
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
  /** authenticatorAttachment as the client reported it at registration, when it did (a claim, for policy's `attachments` rule). */
  attachment?: 'platform' | 'cross-platform';
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
  /** Set when an assertion's signature counter went backwards (WebAuthn §7.2 step 21). */
  possiblyCloned: boolean;
  /** A disabled credential cannot sign in. */
  disabled: boolean;
  /**
   * Who disabled it and why, while `disabled`: its owner never does today; an administrator
   * through /admin/; `policy` when re-evaluation found it no longer satisfies its user's role
   * policy or its model's MDS status (`reason` names the rule). Re-evaluation re-enables only
   * what it disabled itself.
   */
  disabledBy?: 'admin' | 'policy';
  disabledReason?: string;
  disabledAt?: Date;
  /** keygate's own verdict on the attestation (attestation/attestation-trust.ts), made at registration; absent for credentials registered before it existed (= not trusted). */
  attestation?: AttestationVerdict;
}

/**
 * Whether a credential's attestation chains to something keygate trusts for its format and
 * AAGUID. Decided by keygate from the decoded statement, never by the library's defaults.
 */
export interface AttestationVerdict {
  trusted: boolean;
  /** What it chained to: a configured anchor for its format, an MDS3 root for its AAGUID, or the dev policy's Chrome virtual authenticator certificate. */
  source?: 'anchor' | 'mds' | 'dev';
  /** The anchor that matched: its subject DN and SHA-256 fingerprint ("CN=..., sha256:AB:CD..."). */
  anchor?: string;
  /** Why it is (or is not) trusted, for administrators: "no x5c (self attestation)", "chain does not reach an anchor", ... */
  reason: string;
  /** The leaf certificate's subject DN, when the statement had x5c. */
  certificateSubject?: string;
  evaluatedAt: Date;
}

export type CeremonyKind = 'registration' | 'authentication';

/** A pending WebAuthn ceremony, keyed by the session that started it and its challenge (a few pending per session). */
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
  /**
   * Authentication by username of an existing user: the user and the usable credentials
   * offered, as read when the ceremony started, so that finishing needs no read when
   * nothing changed meanwhile. Finishing trusts it only through a compare-and-set that
   * requires the stored credential to still be that registration, unchanged in counter,
   * enabled and not flagged (CredentialStore.recordUse); otherwise it reads again.
   */
  snapshot?: { user: User; credentials: SnapshotCredential[] };
  /**
   * Set when the ceremony completes a half sign-in (a key after a password, or a key
   * enrolled by a password sign-up): the `attemptId` of that SignInAttempt.
   */
  signInAttemptId?: string;
  /** Registration through a one-time link: the link's id (its keyed hash), taken when the ceremony finishes. */
  linkId?: string;
  /**
   * An approver's assertion for a sign-in approval (ceremonies/approve-sign-in.ts): the
   * ApprovalRequest's id. Such a ceremony finishes only at POST /account/approvals/{id}/approve
   * for that id, never as a sign-in (/assertion/result refuses it with `ceremony_mismatch`).
   */
  approvalId?: string;
  createdAt: Date;
  expiresAt: Date;
}

/** A signed-in session. Anonymous sessions exist only as a cookie id. */
export interface Session {
  id: string;
  userId: string;
  /** Credential used to sign in (absent for password + TOTP / recovery-code sign-ins). */
  credentialId?: string;
  /** What the sign-in proved (RFC 8176 values), derived by policy/sign-in-proof.ts from verified facts only. */
  amr: string[];
  /** The assurance level those facts reach (policy/sign-in-proof.ts ACR). */
  acr: string;
  /** When the proof was made (JWT `auth_time`); step-up compares against it. */
  authenticatedAt: Date;
  /** Signed in with a recovery code: the user is asked to add a new key. */
  recovery?: boolean;
  expiresAt: Date;
}

/**
 * A half sign-in, keyed by the session cookie id it belongs to: a correct password was given
 * (`stage: 'second_factor'`: a key, TOTP or recovery code completes it), or an account was just
 * created with a password (`stage: 'enrol'`: only enrolling a second factor completes it).
 * It grants nothing else: every /account/* call still answers `not_signed_in`.
 */
export interface SignInAttempt {
  /** The session cookie id. */
  id: string;
  /** Random id of this attempt; a code or ceremony started for one attempt cannot finish another. */
  attemptId: string;
  userId: string;
  username: string;
  stage: 'second_factor' | 'enrol';
  /** When the password was verified (or set, at sign-up). */
  passwordAt: Date;
  createdAt: Date;
  expiresAt: Date;
}

/** A user's password: an argon2id PHC string (never the password). */
export interface PasswordRecord {
  userId: string;
  hash: string;
  updatedAt: Date;
}

/** A TOTP secret, sealed with the data key ring (lib/data-cipher.ts); never stored in clear. */
export interface TotpRecord {
  userId: string;
  /** The confirmed authenticator, if any. */
  active?: { sealedSecret: string; lastUsedStep: number; confirmedAt: Date };
  /** An enrolment waiting for its first code; confirming replaces `active`. */
  pending?: { sealedSecret: string; createdAt: Date; expiresAt: Date };
}

/** The user's current recovery codes, as keyed hashes (HMAC-SHA-256 with HMAC_SECRET). */
export interface RecoveryCodeSet {
  userId: string;
  hashes: string[];
  generatedAt: Date;
}

export interface AuditEvent {
  /** Random, unique: orders events of the same millisecond (pages are `at` then `id`, descending). */
  id: string;
  /** e.g. registration.succeeded, authentication.failed, credential.possibly_cloned */
  type: string;
  at: Date;
  /** When AUDIT_RETENTION_DAYS ends for it: reads skip it from then on, a TTL index deletes it. */
  expiresAt?: Date;
  outcome: 'success' | 'failure';
  userId?: string;
  credentialId?: string;
  /** Client address as Express sees it (respects TRUST_PROXY). */
  ip?: string;
  /** The request's User-Agent, truncated. */
  userAgent?: string;
  /** The request's id (X-Request-Id), to find its log lines. */
  requestId?: string;
  /** Error code for failures. */
  code?: string;
  data?: Record<string, unknown>;
}

/** JWS algorithms keygate signs tokens with. */
export type SigningAlg = 'ES256' | 'EdDSA' | 'RS256';

/**
 * One token-signing key. Published in the JWKS from `createdAt`; signs from `activatesAt`
 * (the lead time lets verifiers' JWKS caches learn it first) until `retiresAt`; stays
 * published until every token it signed has expired, then is dropped from the ring.
 */
export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  /** Public JWK (kty, crv, x, y / n, e), with kid, alg and use: "sig". */
  publicJwk: Record<string, unknown>;
  /** The private JWK, sealed with DATA_KEYS (lib/data-cipher.ts), never stored in clear. */
  sealedPrivateJwk: string;
  createdAt: Date;
  activatesAt: Date;
  retiresAt?: Date;
}

/** Every instance's signing keys, as ONE document changed only by compare-and-set on `version`. */
export interface KeyRing {
  version: number;
  keys: SigningKey[];
  updatedAt: Date;
}

/** A token handed out by POST /token, one per sign-in (session) and audience. */
export interface IssuedToken {
  /** `${sessionId}:${audience}`: unique, so a second exchange for the same sign-in and audience fails. */
  id: string;
  jti: string;
  userId: string;
  audience: string;
  expiresAt: Date;
}

/** A credential as a pending ceremony's snapshot keeps it: everything but the attestation bytes (finishing never needs them; a snapshot stays small). */
export type SnapshotCredential = Omit<StoredCredential, 'attestationObject'>;

// The records of some concerns live in files of their own (as their ports and adapters do).
export type * from './trust-records.js';
export type * from './oob-records.js';
export type * from './approval-records.js';
