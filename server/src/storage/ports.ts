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

import type { ApprovalRequest, AuditEvent, Ceremony, IssuedToken, KeyRing, MetadataCache, MetadataRefresh, OneTimeLink, OobChannel, OobChannelState, OobDestinations, OobPendingCode, OobSignInCode, PasswordRecord, RecoveryCodeSet, SendClaim, Session, SignInAttempt, StoredCredential, TotpRecord, User } from './records.js';

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

export interface PasswordStore {
  get(userId: string): Promise<PasswordRecord | undefined>;
  /** Sets (inserts or replaces) the user's password hash. */
  set(record: PasswordRecord): Promise<void>;
  /** Deletes it; `false` if there was none. */
  delete(userId: string): Promise<boolean>;
}

export interface TotpStore {
  get(userId: string): Promise<TotpRecord | undefined>;
  /** Sets the user's pending enrolment, replacing an earlier pending one; an active authenticator is left as it is. */
  setPending(userId: string, pending: NonNullable<TotpRecord['pending']>): Promise<void>;
  /**
   * Confirms the pending enrolment: only if it is still the one sealed as `sealedSecret` and
   * unexpired at `now`, it becomes the active authenticator (replacing any earlier one) with
   * `lastUsedStep = step` (the confirming code counts as used), and pending is cleared.
   * Atomic; returns whether it won.
   */
  confirm(userId: string, sealedSecret: string, step: number, now: Date): Promise<boolean>;
  /**
   * RFC 6238 §5.2 "accepted once only": compare-and-set that advances the active
   * authenticator's `lastUsedStep` to `step` only if it is still `sealedSecret` and its
   * lastUsedStep is lower than `step`. Of concurrent callers with the same step exactly one
   * wins; a step at or below the last used one never wins.
   */
  useStep(userId: string, sealedSecret: string, step: number): Promise<boolean>;
  /** Removes the active authenticator and any pending enrolment; `false` if none was active. */
  remove(userId: string): Promise<boolean>;
}

export interface RecoveryCodeStore {
  get(userId: string): Promise<RecoveryCodeSet | undefined>;
  /** Replaces the user's whole set (regenerating invalidates every earlier code). */
  replace(set: RecoveryCodeSet): Promise<void>;
  /** Atomically removes `hash` from the user's set; of concurrent callers exactly one gets `true`. */
  consume(userId: string, hash: string): Promise<boolean>;
}

/** What `LockoutStore.reserve` answers. */
export type Reservation = { ok: true } | { ok: false; retryAt: Date };

/**
 * Failure counters for password, TOTP and recovery-code attempts, per key (`user:…`, `ip:…`).
 * A counter record is { count, strikes, lockedUntil?, expiresAt }; an expired record counts
 * as absent (failures are forgotten after a quiet day).
 */
export interface LockoutStore {
  /**
   * Reserves one attempt BEFORE the secret is checked: atomically increments `count` unless
   * the key is locked at `now` or `count` already reached `threshold`, in which case it
   * answers `{ ok: false, retryAt }` and nothing is checked. So of any number of concurrent
   * attempts at most `threshold` are ever checked. The record lives `decayMs` past `now`.
   */
  reserve(key: string, now: Date, opts: { threshold: number; decayMs: number }): Promise<Reservation>;
  /**
   * Records that a reserved attempt failed: once `count` reached `threshold`, locks the key
   * until `now + lockMs(strikes)` (strikes = earlier lockouts, so the delay grows), adds a
   * strike and starts counting again from 0. Atomic; returns whether this call locked the key.
   */
  fail(key: string, now: Date, opts: { threshold: number; decayMs: number; lockMs: (strikes: number) => number }): Promise<boolean>;
  /** A reserved attempt succeeded and should not count (per-IP counters): `count` goes down by one, never below 0. */
  release(key: string): Promise<void>;
  /** Forgets the key entirely (its user signed in): count and strikes. */
  reset(key: string): Promise<void>;
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

/** The FIDO MDS3 BLOB all instances share (attestation/metadata-service.ts keeps it fresh). */
export interface MetadataStore {
  /** The stored BLOB, or `undefined` before any was verified. */
  get(): Promise<MetadataCache | undefined>;
  /**
   * Stores `cache` only if none is stored or the stored one's `no` is lower: atomic (one
   * conditional upsert), so of instances racing with the same BLOB one wins and the others
   * get `false`, and an older BLOB never replaces a newer one.
   */
  putIfNewer(cache: MetadataCache): Promise<boolean>;
  /** Records the latest refresh attempt's outcome (replacing the previous record). */
  recordRefresh(refresh: MetadataRefresh): Promise<void>;
  lastRefresh(): Promise<MetadataRefresh | undefined>;
}

/** One-time links (records.ts OneTimeLink). */
export interface LinkStore {
  insert(link: OneTimeLink): Promise<void>;
  /** The link if it exists and has not expired at `now` (a read: the link stays usable). */
  get(id: string, now: Date): Promise<OneTimeLink | undefined>;
  /** Atomically removes and returns the link if unexpired at `now`; of concurrent callers exactly one gets it. */
  take(id: string, now: Date): Promise<OneTimeLink | undefined>;
  /** Deletes every link of the user (a new one replaces them); returns how many. */
  deleteByUser(userId: string): Promise<number>;
}

// ---- Out-of-band one-time codes (SMS, email) ------------------------------------------------

/**
 * Out-of-band codes (records.ts OobDestinations, OobSignInCode) and the send limits they are
 * sent under. Every invariant is one atomic single-document operation; reads skip anything
 * whose `expiresAt` is not after `now`.
 */
export interface OobStore {
  /** The user's destinations; a pending enrolment that expired at `now` reads as absent. */
  destinations(userId: string, now: Date): Promise<OobDestinations | undefined>;
  /** Sets the channel's pending enrolment (replacing an earlier pending one); a verified destination stays as it is. */
  setPending(userId: string, channel: OobChannel, pending: NonNullable<OobChannelState['pending']>): Promise<void>;
  /**
   * Reserves one check of the channel's pending enrolment code: atomically increments its
   * `attempts` only if it is unexpired at `now` and `attempts < maxChecks`, and returns it
   * (its `attempts` is informational under concurrency); `undefined` otherwise. Of concurrent
   * callers at most `maxChecks` ever get it.
   */
  reservePendingCheck(userId: string, channel: OobChannel, now: Date, maxChecks: number): Promise<(OobPendingCode & { destination: string }) | undefined>;
  /**
   * Confirms the pending enrolment: only if it is still the one with `pending.hash` and
   * `pending.destination` and unexpired at `now`, that destination becomes the verified one
   * (replacing any earlier) and pending is cleared. Atomic; of concurrent callers exactly one
   * wins; returns whether it won.
   */
  confirm(userId: string, channel: OobChannel, pending: { hash: string; destination: string }, now: Date): Promise<boolean>;
  /** Removes the channel (verified destination and pending enrolment); `false` if no destination was verified. */
  remove(userId: string, channel: OobChannel): Promise<boolean>;
  /** Stores the session's sign-in code, replacing any earlier one of that session. */
  putCode(code: OobSignInCode): Promise<void>;
  /**
   * Reserves one check of the session's sign-in code: atomically increments `attempts` only
   * if the code is for `attemptId`, unexpired at `now` and `attempts < maxChecks`, and
   * returns it; `undefined` otherwise.
   */
  reserveCodeCheck(id: string, attemptId: string, now: Date, maxChecks: number): Promise<OobSignInCode | undefined>;
  /**
   * Takes (deletes and returns) the session's code only if it is for `attemptId`, has `hash`
   * and is unexpired at `now`. Of concurrent callers exactly one gets it: single use.
   */
  takeCode(id: string, attemptId: string, hash: string, now: Date): Promise<OobSignInCode | undefined>;
  /** Deletes the session's code if it still has `hash` (a send that failed); `false` otherwise. */
  deleteCode(id: string, hash: string): Promise<boolean>;
  /**
   * Claims one send for `key` (`user:…`, `dest:…`, `ip:…`) under a sliding window: allowed
   * only if the last claimed send of the key is at least `intervalMs` before `now` and fewer
   * than `max` sends of the key fall within `(now - windowMs, now]`; then records `now` as
   * sent. Atomic (one conditional upsert): of concurrent claims exactly as many win as the
   * limits allow. Refused: `{ ok: false, retryAt, limit }` (the earliest time it would pass).
   */
  claimSend(key: string, now: Date, limits: { intervalMs: number; windowMs: number; max: number }): Promise<SendClaim>;
}

// ---- Sign-in approval from a signed-in device ----------------------------------------------

/**
 * Sign-in approval requests (records.ts ApprovalRequest), one per requesting session. Every
 * invariant is one atomic single-document operation; reads skip anything whose `expiresAt`
 * is not after `now`, and "pending" means status pending with `decideBy` after `now`.
 */
export interface ApprovalStore {
  /** Stores the session's request (`request.id`), replacing any earlier one of that session in one operation. */
  put(request: ApprovalRequest): Promise<void>;
  /** The session's request, whatever its status, if unexpired at `now`. */
  forSession(id: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** The request with `requestId` if it belongs to `userId` and is unexpired at `now` (another user's id reads as absent). */
  byRequestId(requestId: string, userId: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** The user's pending requests at `now` (status pending, `decideBy` after now), oldest first. */
  pendingFor(userId: string, now: Date): Promise<ApprovalRequest[]>;
  /**
   * Decides a request by compare-and-set from pending: only if `requestId` belongs to
   * `userId`, is still `pending` and `decideBy` is after `now`, it becomes `decision.status`
   * with `decidedAt = now`, `decidedBy` and `reason`; returns the request as decided, or
   * `undefined` (not found, already decided, expired). Of concurrent callers exactly one wins.
   */
  decide(requestId: string, userId: string, now: Date, decision: { status: 'approved' | 'denied'; decidedBy: string; reason?: ApprovalRequest['reason'] }): Promise<ApprovalRequest | undefined>;
  /**
   * Marks the session's request `expired` only if it is still pending with `decideBy` at or
   * before `now` (and the record itself unexpired): returns whether this call did it, so that
   * exactly one observer audits the expiry.
   */
  markExpired(id: string, requestId: string, now: Date): Promise<boolean>;
  /**
   * Takes (deletes and returns) the session's request only if it is for `attemptId`, `approved`
   * and unexpired at `now`. Of concurrent callers exactly one gets it: an approval completes
   * one half sign-in, once.
   */
  takeApproved(id: string, attemptId: string, now: Date): Promise<ApprovalRequest | undefined>;
  /** Deletes the session's request; `false` if there was none. */
  delete(id: string): Promise<boolean>;
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
