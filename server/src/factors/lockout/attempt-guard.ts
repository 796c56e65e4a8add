import { retryAfterSeconds } from '../../lib/clock.js';
import { recordEvent } from '../../audit/record-event.js';
import type { Deps } from '../../deps.js';
import { LockedOutError } from '../../errors/keygate-error.js';
import { clientKey } from '../../rate-limiting/client-key.js';
import { LOCKOUT_DECAY_MS, lockoutMs } from '../../policy/lockout.js';

/** One reserved attempt at a guessable secret; call exactly one of its methods when the check is done. */
export interface GuardedAttempt {
  /** The secret was wrong: counts against the account and the IP (and may lock them). */
  failed(): Promise<void>;
  /** A first factor (the password) was right: the attempt does not count, nothing is forgiven. */
  passed(): Promise<void>;
  /** The sign-in completed: the account's failures are forgotten; the IP's reservation is returned. */
  signedIn(): Promise<void>;
  /** The check never ran (e.g. nothing to check against): the reservation is returned. */
  cancelled(): Promise<void>;
}

/**
 * Brute-force protection for password, TOTP and recovery-code attempts, counted in the store
 * (shared by every instance) per account (`user:<normalised username>`, so unknown
 * usernames lock out exactly like known ones and the reply reveals nothing) and per client
 * IP (IPv6 per /64, at the much higher LOCKOUT_IP_THRESHOLD, so an office behind one NAT is
 * not locked out by a few typos). The attempt is reserved BEFORE the secret is checked:
 * of any number of parallel guesses at most the threshold are ever checked; the others get
 * 429 `locked_out` with `Retry-After`. WebAuthn sign-ins are never locked out (an attacker
 * guessing a password cannot lock a security-key user out); the per-IP ceremony limit stays.
 */
export async function guardAttempt(deps: Pick<Deps, 'store' | 'clock' | 'config' | 'logger'>, who: { username: string; userId?: string; ip?: string }): Promise<GuardedAttempt> {
  const { config, store } = deps;
  const userKey = `user:${who.username}`;
  const ipKey = `ip:${clientKey(who.ip)}`;
  const lockMs = (strikes: number) => lockoutMs(strikes, config.lockoutBaseSeconds, config.lockoutMaxSeconds);
  const user = { key: userKey, threshold: config.lockoutThreshold };
  const ip = { key: ipKey, threshold: config.lockoutIpThreshold };
  const now = deps.clock.now();

  const u = await store.lockouts.reserve(user.key, now, { threshold: user.threshold, decayMs: LOCKOUT_DECAY_MS });
  const i = u.ok ? await store.lockouts.reserve(ip.key, now, { threshold: ip.threshold, decayMs: LOCKOUT_DECAY_MS }) : u;
  if (!u.ok || !i.ok) {
    if (u.ok) await store.lockouts.release(user.key);
    throw lockedOut(!u.ok ? `account ${who.username}` : `client ${clientKey(who.ip)}`, !u.ok ? u.retryAt : (i as { retryAt: Date }).retryAt, now);
  }
  return {
    async failed() {
      const at = deps.clock.now();
      for (const k of [user, ip]) {
        if (await store.lockouts.fail(k.key, at, { threshold: k.threshold, decayMs: LOCKOUT_DECAY_MS, lockMs })) {
          await recordEvent(deps, { type: 'lockout.locked', outcome: 'failure', userId: who.userId, ip: who.ip, code: 'locked_out', data: { key: k.key === userKey ? 'account' : 'ip' } });
        }
      }
    },
    async passed() {
      await store.lockouts.release(user.key);
      await store.lockouts.release(ip.key);
    },
    async signedIn() {
      await store.lockouts.reset(user.key);
      await store.lockouts.release(ip.key);
    },
    async cancelled() {
      await store.lockouts.release(user.key);
      await store.lockouts.release(ip.key);
    },
  };
}

/**
 * 429 `locked_out` (with Retry-After) while the account or the client IP is locked out, as
 * `guardAttempt` would answer; reserves nothing. For what leads to a guessable check without
 * being one: sending a sign-in code by SMS or email during a lockout would only deliver a code
 * that cannot be entered (and spend a message).
 */
export async function refuseWhileLockedOut(deps: Pick<Deps, 'store' | 'clock'>, who: { username: string; ip?: string }): Promise<void> {
  const now = deps.clock.now();
  const [user, ip] = await Promise.all([deps.store.lockouts.lockedUntil(`user:${who.username}`, now), deps.store.lockouts.lockedUntil(`ip:${clientKey(who.ip)}`, now)]);
  if (user === undefined && ip === undefined) return;
  const until = user && ip ? (user > ip ? user : ip) : (user ?? ip)!;
  throw lockedOut(user ? `account ${who.username}` : `client ${clientKey(who.ip)}`, until, now);
}

function lockedOut(what: string, until: Date, now: Date): LockedOutError {
  const seconds = retryAfterSeconds(until, now);
  return new LockedOutError(seconds, `${what} is locked out for ${seconds} s more`);
}

/**
 * Runs `check` on a reserved attempt, which it settles at most once through `settle` (its
 * verdict: `failed`, `signedIn`, or `cancelled` when there was nothing to check). A check that
 * ends without a verdict (a store or DATA_KEYS fault, a raced completion) gives the
 * reservation back (`cancelled`, its own failure ignored) before its error goes on: only
 * verdicts count towards the lockout.
 */
export async function settleOnce<T>(guard: GuardedAttempt, check: (settle: (how: 'failed' | 'cancelled' | 'signedIn') => Promise<void>) => Promise<T>): Promise<T> {
  let settled = false;
  const settle = async (how: 'failed' | 'cancelled' | 'signedIn') => {
    settled = true;
    await guard[how]();
  };
  try {
    return await check(settle);
  } catch (err) {
    if (!settled) await guard.cancelled().catch(() => undefined);
    throw err;
  }
}
