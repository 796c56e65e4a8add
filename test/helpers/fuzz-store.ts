/**
 * What a request did to the store, seen two independent ways:
 *
 * 1. {@link recordingStore} wraps any `Store` (memory or MongoDB) so every call of a
 *    mutating port method is logged with whether it actually changed something (a `delete`
 *    that answered `false`, a compare-and-set that lost, a `take` that found nothing did not).
 * 2. {@link snapshotState} reads, through the port methods only, everything keygate keeps
 *    about a set of known users, sessions and tokens, as one comparable string.
 *
 * {@link refusedWrites} says which logged writes a refused (4xx) request may make: the ones
 * keygate's design makes on purpose (rate-limit and lockout counters, audit events, the
 * consumed challenge, a counter regression's "possibly cloned" flag); anything else is a
 * state change by a refused request.
 */
import type { Store } from '../../server/src/storage/ports.js';

/**
 * Port methods that only read. Every other method of a sub-store is taken to write (so a
 * method added to ports.ts later is watched without a change here).
 */
const READS = new Set(['get', 'findById', 'findByUsername', 'findWithCredentials', 'findWithOwner', 'listByUser', 'list', 'findByJti', 'isRevoked', 'scan', 'lastRefresh', 'destinations', 'forSession', 'byRequestId', 'pendingFor', 'lockedUntil']);

export interface WriteCall {
  /** e.g. `users.insert`. */
  op: string;
  /** The first argument, summarised (an id, or the record's id/username). */
  key: string;
  /** Whether the call changed stored state (per its contract's return value). */
  effective: boolean;
}

export interface RecordingStore {
  store: Store;
  /** Calls since the last `drain()`. */
  drain(): WriteCall[];
  /** Every mutating call ever made, by op (for the run's statistics). */
  readonly totals: Map<string, number>;
}

function keyOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    return String(o.id ?? o.userId ?? o.jti ?? o.type ?? '?');
  }
  return String(arg);
}

/** Whether a call with this result changed anything (false / undefined / 0 / a lost reservation did not). */
function changed(op: string, result: unknown): boolean {
  // `take` found nothing; `locks.acquire` found the lock held. Other void methods (put, insert, set, release, ...) wrote.
  // Likewise a take*/reserve* that found nothing (a code, an approval, a check to reserve).
  if (result === undefined) return !op.endsWith('.take') && !/\.(take|reserve)[A-Z]/.test(op) && op !== 'locks.acquire';
  if (typeof result === 'boolean') return result;
  if (typeof result === 'number') return result > 0;
  if (op === 'lockouts.reserve') return (result as { ok?: boolean }).ok === true;
  return true;
}

export function recordingStore(inner: Store): RecordingStore {
  let log: WriteCall[] = [];
  const totals = new Map<string, number>();
  const wrapped: Record<string, unknown> = {};
  for (const [name, sub] of Object.entries(inner) as [string, unknown][]) {
    if (!sub || typeof sub !== 'object') {
      wrapped[name] = typeof sub === 'function' ? (sub as (...a: unknown[]) => unknown).bind(inner) : sub;
      continue;
    }
    wrapped[name] = new Proxy(sub as object, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        const fn = v as (...a: unknown[]) => Promise<unknown>;
        if (typeof prop !== 'string' || READS.has(prop)) return fn.bind(target);
        const op = `${name}.${prop}`;
        return async (...args: unknown[]) => {
          const result = await fn.apply(target, args);
          const effective = changed(op, result);
          log.push({ op, key: keyOf(args[0]), effective });
          totals.set(op, (totals.get(op) ?? 0) + 1);
          return result;
        };
      },
    });
  }
  // `kind` is a readonly data property; ping/close are bound above.
  Object.defineProperty(wrapped, 'kind', { value: inner.kind, enumerable: true });
  return {
    store: wrapped as unknown as Store,
    drain() {
      const out = log;
      log = [];
      return out;
    },
    totals,
  };
}

/** Writes a refused request may make by design, whatever it was. */
const ALWAYS_ALLOWED = new Set([
  'rateLimits.hit', // counted before the body is read (README: malformed floods count too)
  'audit.appendMany', // failures are audited
  'lockouts.reserve', // an attempt is reserved before the secret is checked ...
  'lockouts.fail', // ... and counts as failed
  'lockouts.release',
  'locks.acquire', // coordination (key ring creation), released at once
  'locks.release',
  'ceremonies.take', // "consumed before any verification, on every path" (README)
  'ceremonies.discard', // a response naming no readable challenge ends the session's pending ceremonies
  'oob.reserveCodeCheck', // one check of an SMS/email code is reserved before the code is compared (5 per code)
  'oob.reservePendingCheck', // the same for an enrolment's first code
]);

/**
 * The writes of one refused request that its reply code does not justify. `counter_regression`
 * flags the credential and signs out its sessions (README: "the credential is marked
 * possiblyCloned"); a credential inserted and deleted again in the same request (a username
 * lost to a race) is undone and is judged by the state snapshot instead.
 */
export function refusedWrites(calls: WriteCall[], code: unknown): WriteCall[] {
  const effective = calls.filter((c) => c.effective && !ALWAYS_ALLOWED.has(c.op));
  const undone = new Set(effective.filter((c) => c.op === 'credentials.delete').map((c) => c.key));
  return effective.filter((c) => {
    if (code === 'counter_regression' && (c.op === 'credentials.markPossiblyCloned' || c.op === 'sessions.deleteByCredential')) return false;
    if ((c.op === 'credentials.insert' || c.op === 'credentials.delete') && undone.has(c.key)) return false;
    return true;
  });
}

export interface Known {
  userIds: Set<string>;
  sessionIds: Set<string>;
  jtis: Set<string>;
}

const replacer = (_k: string, v: unknown) => {
  if (v instanceof Uint8Array) return `bytes:${Buffer.from(v).toString('hex')}`;
  if (v && typeof v === 'object' && (v as { _bsontype?: string })._bsontype === 'Binary') return `bytes:${Buffer.from((v as { buffer: Uint8Array }).buffer).toString('hex')}`;
  return v;
};

/**
 * Everything the store holds about the known users, sessions and tokens, read through the
 * port methods (so the same code judges every adapter). Dates serialise as ISO strings.
 */
export async function snapshotState(store: Store, known: Known, now: Date): Promise<string> {
  // All reads at once: one round trip's latency on MongoDB rather than dozens.
  const userIds = [...known.userIds].sort();
  const sessionIds = [...known.sessionIds].sort();
  const jtis = [...known.jtis].sort();
  const [userParts, sessionParts, tokenParts, ring] = await Promise.all([
    Promise.all(
      userIds.map(async (id) => {
        const [user, credentials, password, totp, recovery] = await Promise.all([store.users.findById(id), store.credentials.listByUser(id), store.passwords.get(id), store.totp.get(id), store.recoveryCodes.get(id)]);
        const byName = user ? await store.users.findByUsername(user.username) : undefined;
        return [id, { user, byName: byName?.id, credentials, password, totp, recovery }] as const;
      }),
    ),
    Promise.all(sessionIds.map(async (id) => [id, { session: await store.sessions.get(id, now), attempt: await store.signInAttempts.get(id, now) }] as const)),
    Promise.all(jtis.map(async (jti) => [jti, { issued: await store.tokens.findByJti(jti, now), revoked: await store.tokens.isRevoked(jti, now) }] as const)),
    store.keyRing.get(),
  ]);
  return JSON.stringify({ users: Object.fromEntries(userParts), sessions: Object.fromEntries(sessionParts), tokens: Object.fromEntries(tokenParts), ring }, replacer);
}

/**
 * The snapshot a refusal with `code` may leave behind `before`, by design: a counter
 * regression flags the credential (`possiblyCloned`) and ends the sessions signed in with it.
 * Returns `after` with exactly those changes undone where they happened, so that any other
 * difference still shows.
 */
export function allowDesignedChanges(code: unknown, before: string, after: string): string {
  if (code !== 'counter_regression' || before === after) return after;
  type Snap = { users: Record<string, { credentials: { id: string; possiblyCloned: boolean }[] }>; sessions: Record<string, { session?: { credentialId?: string } }> };
  const b = JSON.parse(before) as Snap;
  const a = JSON.parse(after) as Snap;
  const flagged = new Set<string>();
  for (const [id, u] of Object.entries(a.users)) {
    for (const c of u.credentials ?? []) {
      const old = b.users[id]?.credentials?.find((x) => x.id === c.id);
      if (old && !old.possiblyCloned && c.possiblyCloned) {
        c.possiblyCloned = false;
        flagged.add(c.id);
      }
    }
  }
  for (const [id, s] of Object.entries(a.sessions)) {
    const old = b.sessions[id]?.session;
    if (!s.session && old?.credentialId && flagged.has(old.credentialId)) s.session = old;
  }
  return JSON.stringify(a);
}

/** The first differing part of two snapshots, for a failure message. */
/** `s` from a little before its first difference with `other` (where a reader looks), at most 600 characters. */
function around(s: string | undefined, other: string | undefined): string {
  const a = String(s);
  const b = String(other);
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 120);
  return `${from > 0 ? '…' : ''}${a.slice(from, from + 600)}${from + 600 < a.length ? '…' : ''}`;
}

export function snapshotDiff(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, Record<string, unknown>>;
  const b = JSON.parse(after) as Record<string, Record<string, unknown>>;
  const out: string[] = [];
  for (const section of Object.keys({ ...a, ...b })) {
    const sa = a[section] ?? {};
    const sb = b[section] ?? {};
    if (typeof sa !== 'object' || typeof sb !== 'object' || sa === null || sb === null) {
      if (JSON.stringify(sa) !== JSON.stringify(sb)) out.push(`${section}: ${JSON.stringify(sa).slice(0, 300)} → ${JSON.stringify(sb).slice(0, 300)}`);
      continue;
    }
    for (const k of Object.keys({ ...sa, ...sb })) {
      const va = JSON.stringify(sa[k]);
      const vb = JSON.stringify(sb[k]);
      if (va !== vb) out.push(`${section}.${k}:\n    before ${around(va, vb)}\n    after  ${around(vb, va)}`);
    }
  }
  return out.join('\n  ');
}
