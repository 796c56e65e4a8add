import { copyRecord } from './copy-record.js';
import { sweepTrigger } from './sweep-trigger.js';
import { ConflictError } from '../../errors/keygate-error.js';
import { createMemoryLockouts, createMemoryLocks, createMemoryRateLimits } from './memory-coordination.js';
import { createMemoryFactors } from './memory-factors.js';
import { createMemoryTokens } from './memory-tokens.js';
import { createMemoryTrust } from './memory-trust.js';
import { createMemoryOob } from './memory-oob.js';
import { createMemoryApprovals } from './memory-approval.js';
import type {
  AuditEvent,
  AuditStore,
  Ceremony,
  CeremonyStore,
  CredentialStore,
  Session,
  SessionStore,
  Store,
  StoredCredential,
  User,
  UserStore,
} from '../ports.js';

/**
 * The embedded default store: plain Maps in this process. Keeps every contract of
 * `ports.ts` (JavaScript runs each method body to its first `await` without interleaving,
 * and these methods never await, so each operation is atomic). Data is lost on restart and
 * not shared between instances, which is why `main.ts` refuses it in production.
 */
/** Sort order of audit pages: `at` descending, then `id` descending. */
function newerFirst(a: { at: Date; id: string }, b: { at: Date; id: string }): number {
  return b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function createMemoryStore(): Store {
  const users = new Map<string, User>();
  const usernames = new Map<string, string>();
  const credentials = new Map<string, StoredCredential>();
  /** userId → ids of its credentials (a credential's userId never changes): listing one user's keys costs what that user has, not what everyone has. */
  const credentialIdsByUser = new Map<string, Set<string>>();
  /** Per session: its pending ceremonies, oldest first, and when the last of them expires. */
  const ceremonies = new Map<string, { pending: Ceremony[]; expiresAt: Date }>();
  const sessions = new Map<string, Session>();
  const audit: AuditEvent[] = [];
  const copy = copyRecord;

  /** The user's credentials, oldest first, copied. */
  const credentialsOf = (userId: string): StoredCredential[] =>
    [...(credentialIdsByUser.get(userId) ?? [])]
      .map((id) => credentials.get(id)!)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((c) => copy(c));

  const userStore: UserStore = {
    async insert(user) {
      if (usernames.has(user.username) || users.has(user.id)) {
        throw new ConflictError('username_taken', `username ${user.username}`);
      }
      users.set(user.id, copy(user));
      usernames.set(user.username, user.id);
    },
    async findById(id) {
      const u = users.get(id);
      return u && copy(u);
    },
    async findByUsername(username) {
      const id = usernames.get(username);
      const u = id === undefined ? undefined : users.get(id);
      return u && copy(u);
    },
    async findWithCredentials(username) {
      const id = usernames.get(username);
      const u = id === undefined ? undefined : users.get(id);
      return u && { user: copy(u), credentials: credentialsOf(u.id) };
    },
    async delete(id) {
      const u = users.get(id);
      if (!u) return false;
      users.delete(id);
      usernames.delete(u.username);
      return true;
    },
    async setRole(id, role) {
      const u = users.get(id);
      if (!u) return false;
      u.role = role;
      return true;
    },
    async list({ search, role, afterUsername, limit }) {
      const needle = search?.toLowerCase();
      return [...users.values()]
        .filter((u) =>
          (afterUsername === undefined || u.username > afterUsername) &&
          (role === undefined || (u.role ?? 'user') === role) &&
          (needle === undefined || u.username.includes(needle) || u.displayName.toLowerCase().includes(needle)))
        .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
        .slice(0, limit)
        .map((u) => copy(u));
    },
  };

  const credentialStore: CredentialStore = {
    async insert(credential) {
      if (credentials.has(credential.id)) {
        throw new ConflictError('credential_exists', `credential id ${credential.id}`);
      }
      credentials.set(credential.id, copy(credential));
      let ids = credentialIdsByUser.get(credential.userId);
      if (!ids) credentialIdsByUser.set(credential.userId, (ids = new Set()));
      ids.add(credential.id);
    },
    async findById(id) {
      const c = credentials.get(id);
      return c && copy(c);
    },
    async findWithOwner(id) {
      const c = credentials.get(id);
      if (!c) return undefined;
      const owner = users.get(c.userId);
      return owner ? { credential: copy(c), owner: copy(owner) } : { credential: copy(c) };
    },
    async listByUser(userId) {
      return credentialsOf(userId);
    },
    async recordUse(id, expected, update) {
      const c = credentials.get(id);
      if (!c || c.counter !== expected.counter || c.userId !== expected.userId || c.createdAt.getTime() !== expected.createdAt.getTime() || c.disabled || c.possiblyCloned) return false;
      Object.assign(c, { counter: update.counter, lastUsedAt: new Date(update.lastUsedAt), backedUp: update.backedUp });
      return true;
    },
    async markPossiblyCloned(id) {
      const c = credentials.get(id);
      if (!c) return false;
      c.possiblyCloned = true;
      return true;
    },
    async setDisabled(id, disabled, why, opts) {
      const c = credentials.get(id);
      if (!c) return false;
      if (opts?.onlyIfDisabledBy !== undefined && !(c.disabled && c.disabledBy === opts.onlyIfDisabledBy)) return false;
      c.disabled = disabled;
      if (disabled && why) Object.assign(c, { disabledBy: why.by, disabledReason: why.reason, disabledAt: new Date(why.at) });
      if (!disabled) {
        delete c.disabledBy;
        delete c.disabledReason;
        delete c.disabledAt;
      }
      return true;
    },
    async clearPossiblyCloned(id) {
      const c = credentials.get(id);
      if (!c || !c.possiblyCloned) return false;
      c.possiblyCloned = false;
      return true;
    },
    async deleteAny(id) {
      const c = credentials.get(id);
      if (!c) return false;
      const ids = credentialIdsByUser.get(c.userId);
      ids?.delete(id);
      if (ids?.size === 0) credentialIdsByUser.delete(c.userId);
      return credentials.delete(id);
    },
    async scan(afterId, limit) {
      return [...credentials.keys()]
        .filter((id) => afterId === undefined || id > afterId)
        .sort()
        .slice(0, limit)
        .map((id) => copy(credentials.get(id)!));
    },
    async rename(id, userId, name) {
      const c = credentials.get(id);
      if (!c || c.userId !== userId) return false;
      c.name = name;
      return true;
    },
    async delete(id, userId) {
      const c = credentials.get(id);
      if (!c || c.userId !== userId) return false;
      const ids = credentialIdsByUser.get(userId);
      ids?.delete(id);
      if (ids?.size === 0) credentialIdsByUser.delete(userId);
      return credentials.delete(id);
    },
  };

  /** Drops expired entries now and then: when the map's trigger says so (sweep-trigger.ts). */
  const sweep = <T extends { expiresAt: Date }>(map: Map<string, T>, due: (size: number) => boolean, now: number) => {
    if (due(map.size)) for (const [k, v] of map) if (v.expiresAt.getTime() <= now) map.delete(k);
  };
  const ceremoniesDue = sweepTrigger();
  const sessionsDue = sweepTrigger();

  const ceremonyStore: CeremonyStore = {
    async put(ceremony, keep) {
      const now = ceremony.createdAt.getTime();
      const pending = (ceremonies.get(ceremony.id)?.pending ?? []).filter((c) => c.expiresAt.getTime() > now);
      pending.push(copy(ceremony));
      ceremonies.set(ceremony.id, { pending: pending.slice(-keep), expiresAt: new Date(Math.max(...pending.map((c) => c.expiresAt.getTime()))) });
      sweep(ceremonies, ceremoniesDue, now);
    },
    async take(id, challenge, now) {
      const entry = ceremonies.get(id);
      const i = entry?.pending.findIndex((c) => c.challenge === challenge) ?? -1;
      if (!entry || i < 0) return undefined;
      const [c] = entry.pending.splice(i, 1);
      if (entry.pending.length === 0) ceremonies.delete(id);
      return c!.expiresAt.getTime() > now.getTime() ? c : undefined;
    },
    async discard(id) {
      ceremonies.delete(id);
    },
  };

  const sessionStore: SessionStore = {
    async put(session) {
      sessions.set(session.id, copy(session));
      sweep(sessions, sessionsDue, session.authenticatedAt.getTime());
    },
    async rotate(session, previousId) {
      sessions.set(session.id, copy(session));
      if (previousId !== undefined && previousId !== session.id) sessions.delete(previousId);
      sweep(sessions, sessionsDue, session.authenticatedAt.getTime());
    },
    async get(id, now) {
      const s = sessions.get(id);
      return s && s.expiresAt.getTime() > now.getTime() ? copy(s) : undefined;
    },
    async delete(id) {
      return sessions.delete(id);
    },
    async deleteByCredential(credentialId, exceptId) {
      let n = 0;
      for (const [id, s] of sessions) if (s.credentialId === credentialId && id !== exceptId && sessions.delete(id)) n++;
      return n;
    },
    async detachCredential(id, credentialId) {
      const s = sessions.get(id);
      if (!s || s.credentialId !== credentialId) return false;
      delete s.credentialId;
      return true;
    },
    async deleteByUser(userId, exceptId) {
      let n = 0;
      for (const [id, s] of sessions) if (s.userId === userId && id !== exceptId && sessions.delete(id)) n++;
      return n;
    },
  };

  const auditStore: AuditStore = {
    async appendMany(events) {
      for (const event of events) audit.push(copy(event));
      if (audit.length > 10_000) audit.splice(0, audit.length - 10_000);
    },
    async list({ userId, type, from, to, before, limit, now }) {
      return audit
        .filter((e) =>
          (userId === undefined || e.userId === userId) &&
          (type === undefined || e.type === type) &&
          (from === undefined || e.at >= from) &&
          (to === undefined || e.at < to) &&
          (now === undefined || e.expiresAt === undefined || e.expiresAt > now) &&
          (before === undefined || newerFirst(e, before) > 0))
        .sort(newerFirst)
        .slice(0, limit)
        .map((e) => copy(e));
    },
  };

  return {
    kind: 'memory',
    users: userStore,
    credentials: credentialStore,
    ceremonies: ceremonyStore,
    sessions: sessionStore,
    ...createMemoryFactors(),
    lockouts: createMemoryLockouts(),
    ...createMemoryTokens(),
    audit: auditStore,
    rateLimits: createMemoryRateLimits(),
    locks: createMemoryLocks(),
    ...createMemoryTrust(),
    ...createMemoryOob(),
    ...createMemoryApprovals(),
    async ping() {},
    async close() {},
  };
}
