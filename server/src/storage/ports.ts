/**
 * Storage ports: one interface per concern, each method with its contract.
 *
 * Contracts every adapter keeps (the suite in test/storage checks them on each adapter):
 * - "not found" is `undefined` (or `false` for updates), never an exception;
 * - every invariant is one atomic single-document operation (no multi-document transactions);
 * - reads never return a record whose `expiresAt` is not in the future, even if it still exists;
 * - values are copied in and out: mutating a returned object never changes the store;
 * - a store that cannot be reached throws `StoreUnavailableError` (HTTP 503).
 */

import type { AuditEvent, Ceremony, IssuedToken, KeyRing, Session, SignInAttempt, StoredCredential, User } from './records.js';
import type { LockoutStore, PasswordStore, RecoveryCodeStore, TotpStore } from './factor-ports.js';
import type { LinkStore, MetadataStore } from './trust-ports.js';
import type { OobStore } from './oob-ports.js';
import type { ApprovalStore } from './approval-ports.js';

// The ports of some concerns live in files of their own (as their adapters do); all are exported here.
export type * from './factor-ports.js';
export type * from './trust-ports.js';
export type * from './oob-ports.js';
export type * from './approval-ports.js';

export type {
  ApprovalRequest,
  ApprovalStatus,
  UserVerificationRequirement,
  User,
  StoredCredential,
  CeremonyKind,
  Ceremony,
  Session,
  SignInAttempt,
  PasswordRecord,
  TotpRecord,
  RecoveryCodeSet,
  SigningAlg,
  SigningKey,
  KeyRing,
  IssuedToken,
  AuditEvent,
  SnapshotCredential,
  AttestationVerdict,
  MetadataEntry,
  MetadataCache,
  MetadataRefresh,
  OneTimeLink,
  OobChannel,
  OobChannelState,
  OobDestinations,
  OobPendingCode,
  OobSignInCode,
  SendClaim,
} from './records.js';

/** A page of users for the admin API: by username, ascending, after `afterUsername`. */
export interface UserQuery {
  /** Case-insensitive substring of the username or display name. */
  search?: string;
  role?: string;
  afterUsername?: string;
  limit: number;
}

export interface UserStore {
  /** Inserts a new user. Throws ConflictError `username_taken` if the username exists (nothing written). */
  insert(user: User): Promise<void>;
  findById(id: string): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  /**
   * The user with this username and their credentials (oldest first, as `listByUser`), in
   * ONE read (MongoDB: one aggregation with `$lookup`): what starting a sign-in by username
   * needs. `undefined` when there is no such user. A read, not a snapshot: a credential
   * added or removed meanwhile may or may not be in the list, as with two separate reads.
   */
  findWithCredentials(username: string): Promise<{ user: User; credentials: StoredCredential[] } | undefined>;
  /**
   * Deletes the user; `false` if there was none. Used to undo a just-created user when its first
   * credential is refused. Contract for any future caller: a user's credentials must be deleted
   * (or disabled) BEFORE the user, because a pending sign-in's snapshot (Ceremony.snapshot)
   * trusts the user it read while CredentialStore.recordUse's compare-and-set still wins.
   */
  delete(id: string): Promise<boolean>;
  /** Sets the user's role; `false` if there is no such user. */
  setRole(id: string, role: string): Promise<boolean>;
  /** Users matching the query, by username ascending, at most `limit`. */
  list(query: UserQuery): Promise<User[]>;
}

export interface CredentialStore {
  /** Inserts a credential. Throws ConflictError `credential_exists` if the id is registered to anyone (nothing written). */
  insert(credential: StoredCredential): Promise<void>;
  findById(id: string): Promise<StoredCredential | undefined>;
  /**
   * The credential and the user it belongs to, in ONE read (MongoDB: one aggregation with
   * `$lookup`): what finishing a sign-in needs. `undefined` for an unknown credential;
   * `owner` absent when its user record is gone.
   */
  findWithOwner(id: string): Promise<{ credential: StoredCredential; owner?: User } | undefined>;
  /** The user's credentials, oldest first. */
  listByUser(userId: string): Promise<StoredCredential[]>;
  /**
   * Compare-and-set after a verified assertion: only if the stored credential is still the
   * registration verified against (same `userId` and `createdAt`: not removed and registered
   * again), its counter still equals `expected.counter`, and it is neither disabled nor
   * flagged possibly cloned, set counter, lastUsedAt and backedUp. Returns whether it won; of
   * concurrent callers with the same expected counter and a higher new counter exactly one
   * wins (authenticators that always report 0 cannot be told apart by counter: every caller
   * wins; the single-use challenge is what stops their replays).
   */
  recordUse(id: string, expected: { counter: number; userId: string; createdAt: Date }, update: { counter: number; lastUsedAt: Date; backedUp: boolean }): Promise<boolean>;
  /** Flags the credential as possibly cloned; `false` if unknown. */
  markPossiblyCloned(id: string): Promise<boolean>;
  /**
   * Enables or disables sign-in with the credential; `false` if unknown. Disabling records
   * `by`, `reason` and `at` (disabledBy, disabledReason, disabledAt); enabling clears them.
   * With `onlyIfDisabledBy`, acts only when the credential is currently disabled by that
   * party (re-evaluation re-enables only what policy disabled; never an admin's decision):
   * atomic, `false` when the condition does not hold.
   */
  setDisabled(id: string, disabled: boolean, why?: { by: 'admin' | 'policy'; reason: string; at: Date }, opts?: { onlyIfDisabledBy?: 'admin' | 'policy' }): Promise<boolean>;
  /** Clears the possibly-cloned flag after an administrator's review; `false` if unknown or not flagged. */
  clearPossiblyCloned(id: string): Promise<boolean>;
  /** Deletes a credential whoever owns it (administrators); `false` if unknown. */
  deleteAny(id: string): Promise<boolean>;
  /**
   * Every credential, a page at a time, by id ascending after `afterId` (re-evaluation walks
   * them all). A scan, not a snapshot: credentials added meanwhile may or may not appear.
   */
  scan(afterId: string | undefined, limit: number): Promise<StoredCredential[]>;
  /** Renames the user's credential; `false` if it is unknown or not theirs. */
  rename(id: string, userId: string, name: string): Promise<boolean>;
  /** Deletes the user's credential; `false` if it is unknown or not theirs. */
  delete(id: string, userId: string): Promise<boolean>;
}

export interface CeremonyStore {
  /**
   * Adds a pending ceremony to its session (`ceremony.id`), which keeps at most `keep` of them:
   * the oldest are dropped (one per tab, say, so that passkey autofill on one page does not
   * replace a registration in progress in another).
   */
  put(ceremony: Ceremony, keep: number): Promise<void>;
  /**
   * Atomically removes and returns the session's pending ceremony with this challenge if it
   * has not expired at `now`. A second call returns `undefined`: each challenge is usable once.
   */
  take(id: string, challenge: string, now: Date): Promise<Ceremony | undefined>;
  /** Removes every pending ceremony of the session (a response that names no readable challenge). */
  discard(id: string): Promise<void>;
}

export interface SessionStore {
  put(session: Session): Promise<void>;
  /**
   * Session rotation in ONE operation (MongoDB: one ordered `bulkWrite` on the sessions
   * collection): stores `session` and deletes the session `previousId` (when given and not
   * `session.id`), in that order, so the new session is never missing once the old one is
   * gone. After it resolves the old id no longer reads as a session.
   */
  rotate(session: Session, previousId?: string): Promise<void>;
  /** The session if it exists and has not expired at `now`. */
  get(id: string, now: Date): Promise<Session | undefined>;
  /** Deletes the session; `false` if there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes every session signed in with this credential (it was removed or flagged), but
   * `exceptId` when given; returns how many.
   */
  deleteByCredential(credentialId: string, exceptId?: string): Promise<number>;
  /**
   * Unties the session from `credentialId` (its key is being removed) only if it still exists
   * and is still tied to it: never recreates a session deleted meanwhile. Returns whether it did.
   */
  detachCredential(id: string, credentialId: string): Promise<boolean>;
  /** Deletes every session of the user (the password changed), but `exceptId` when given; returns how many. */
  deleteByUser(userId: string, exceptId?: string): Promise<number>;
}

export interface SignInAttemptStore {
  /** Stores the session's half sign-in, replacing any earlier one of that session. */
  put(attempt: SignInAttempt): Promise<void>;
  /** The session's half sign-in if it has not expired at `now`. */
  get(id: string, now: Date): Promise<SignInAttempt | undefined>;
  /**
   * Atomically removes and returns the session's half sign-in if it is unexpired at `now` and
   * still the attempt `attemptId` (not replaced meanwhile). Of concurrent callers exactly one
   * gets it: one half sign-in completes into at most one session.
   */
  take(id: string, attemptId: string, now: Date): Promise<SignInAttempt | undefined>;
  /** Deletes it; `false` if there was none. */
  delete(id: string): Promise<boolean>;
  /** Deletes every half sign-in of the user (their password changed); returns how many. */
  deleteByUser(userId: string): Promise<number>;
}

/** Where a page of audit events ends: the next page starts strictly after (older than) it. */
export interface AuditCursor {
  at: Date;
  id: string;
}

export interface AuditQuery {
  userId?: string;
  type?: string;
  /** Events at or after `from`, and before `to`. */
  from?: Date;
  to?: Date;
  /** Paging: only events older than this one (`at`, then `id`, descending). */
  before?: AuditCursor;
  limit: number;
  /** When given, events whose retention ended by `now` are left out (the TTL index is lazy). */
  now?: Date;
}

export interface AuditStore {
  /**
   * Stores the events, in one round trip (MongoDB: one unordered insertMany). An event is
   * never changed once stored. On a failure (rejected) any of them may or may not be stored;
   * nothing else is written.
   */
  appendMany(events: AuditEvent[]): Promise<void>;
  /** Newest first (`at` descending, then `id` descending), at most `limit`. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
}

export interface LockStore {
  /**
   * Takes the named lock until `now + ttlMs` unless someone holds it unexpired; returns an
   * owner token, or `undefined` when it is held. Atomic: of concurrent callers exactly one
   * gets it. The TTL frees a lock whose holder died.
   */
  acquire(name: string, ttlMs: number, now: Date): Promise<string | undefined>;
  /** Releases the lock if `token` still owns it (a holder that overran its TTL frees nothing). */
  release(name: string, token: string): Promise<void>;
}

export interface RateLimitStore {
  /**
   * Counts `hits` (default 1, an integer >= 1) for `key` in the fixed window
   * `[windowStart, windowStart + windowMs)` that contains `now`, in one atomic increment, and
   * returns the window's count including them. Atomic: no hit is lost, and a caller never
   * sees a count below its own last position (concurrent hits may see each other's
   * increments, which only errs on the safe side). Windows expire on their own.
   */
  hit(key: string, windowMs: number, now: Date, hits?: number): Promise<{ count: number; resetAt: Date }>;
}

export interface KeyRingStore {
  /** The ring, or `undefined` before the first start. */
  get(): Promise<KeyRing | undefined>;
  /** Creates the ring if there is none; `false` (nothing written) if another instance created one first. */
  create(ring: KeyRing): Promise<boolean>;
  /** Replaces the ring only if its stored version is still `expectedVersion`; returns whether it won. */
  replace(ring: KeyRing, expectedVersion: number): Promise<boolean>;
}

export interface TokenStore {
  /** Records an issued token; `false` (nothing written) if one already exists with that `id` (sign-in + audience). Atomic across instances. */
  claimIssue(token: IssuedToken): Promise<boolean>;
  /** The issued token with this jti, if it has not expired at `now`. */
  findByJti(jti: string, now: Date): Promise<IssuedToken | undefined>;
  /** Marks `jti` revoked until `expiresAt` (when the token would expire anyway); idempotent. */
  revoke(jti: string, expiresAt: Date): Promise<void>;
  /** Whether `jti` is revoked (an expired revocation reads as not revoked: the token itself is expired then). */
  isRevoked(jti: string, now: Date): Promise<boolean>;
}

/** Everything keygate keeps, behind one object built by `openStore`. */
export interface Store {
  readonly kind: 'memory' | 'mongo';
  users: UserStore;
  credentials: CredentialStore;
  ceremonies: CeremonyStore;
  sessions: SessionStore;
  signInAttempts: SignInAttemptStore;
  passwords: PasswordStore;
  totp: TotpStore;
  recoveryCodes: RecoveryCodeStore;
  lockouts: LockoutStore;
  keyRing: KeyRingStore;
  tokens: TokenStore;
  audit: AuditStore;
  rateLimits: RateLimitStore;
  locks: LockStore;
  metadata: MetadataStore;
  links: LinkStore;
  oob: OobStore;
  approvals: ApprovalStore;
  /** Resolves when the store answers; throws StoreUnavailableError otherwise (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
