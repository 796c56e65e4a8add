import { Binary, MongoClient, type Collection, type Db, type Filter } from 'mongodb';
import { ConflictError } from '../../errors/keygate-error.js';
import type { AuditEvent, Store, StoredCredential, User } from '../ports.js';
import { guard, insertOrConflict } from './mongo-errors.js';
import { fromDoc, toDoc, type Doc } from './mongo-docs.js';
import { mongoLockouts, mongoLocks, mongoRateLimits } from './mongo-coordination.js';
import { mongoFactors } from './mongo-factors.js';
import { mongoSessions } from './mongo-sessions.js';
import { mongoTokens } from './mongo-tokens.js';
import { mongoTrust } from './mongo-trust.js';
import { mongoOob } from './mongo-oob.js';
import { mongoApprovals } from './mongo-approval.js';
import { ensureIndexes } from './ensure-indexes.js';

type CredentialDoc = Omit<Doc<StoredCredential>, 'publicKey' | 'attestationObject'> & {
  publicKey: Binary;
  attestationObject: Binary;
};

export interface MongoStoreOptions {
  uri: string;
  dbName: string;
  /** How long an operation waits for a reachable server before failing with 503. */
  serverSelectionTimeoutMS?: number;
  /** Bound of every operation's phases (connect, pool wait, reply, write concern); default 5000. */
  operationTimeoutMS?: number;
  /**
   * Called with the name of every command sent to the server (driver command monitoring),
   * the command document and the collection it names, e.g. to count round trips or check
   * which indexes serve the queries, in tests and benchmarks; absent: monitoring stays off.
   */
  onCommand?: (commandName: string, command: Readonly<Record<string, unknown>>, collection?: string) => void;
}

export const DEFAULT_OPERATION_TIMEOUT_MS = 5000;

/**
 * The production store on the official `mongodb` driver. Every invariant is a single
 * atomic document operation, so it works on a standalone server, a replica set or a
 * sharded cluster without transactions:
 * - credential id is the `_id` (unique across all users) → duplicate insert fails with 11000;
 * - username has a unique index;
 * - pending ceremonies live in one document per session (`pending_ceremonies`), each taken
 *   with `findOneAndUpdate` + `$pull` filtered on its challenge and `expiresAt > now`;
 * - the signature counter is advanced with a compare-and-set `updateOne`.
 * TTL indexes clean up expired ceremonies and sessions, but reads never rely on them.
 * Each port method is one command to the server (one round trip): the joined reads are one
 * `aggregate` with `$lookup`, session rotation one `update` command with two statements.
 * The client is created without `serverApi` (wire-compatible test servers lack it).
 */
export async function openMongoStore(opts: MongoStoreOptions): Promise<Store> {
  // Every operation is bounded in time: finding a server, connecting, waiting for a pooled
  // connection, waiting for a reply on an open socket, and waiting for the write concern.
  // (The driver's `timeoutMS` is ignored in 7.x.) Past any of them: 503 store_unavailable.
  const t = opts.operationTimeoutMS ?? DEFAULT_OPERATION_TIMEOUT_MS;
  const client = new MongoClient(opts.uri, {
    serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? t,
    connectTimeoutMS: t,
    socketTimeoutMS: t,
    waitQueueTimeoutMS: t,
    writeConcern: { wtimeoutMS: t },
    appName: 'keygate',
    ignoreUndefined: true, // absent optional fields stay absent (the default would store them as null)
    ...(opts.onCommand ? { monitorCommands: true } : {}),
  });
  const onCommand = opts.onCommand;
  if (onCommand) client.on('commandStarted', (e) => onCommand(e.commandName, e.command, typeof e.command[e.commandName] === 'string' ? (e.command[e.commandName] as string) : undefined));
  await guard(() => client.connect());
  const db: Db = client.db(opts.dbName);
  await guard(() => ensureIndexes(db));
  return mongoStoreOn(client, db);
}

function mongoStoreOn(client: MongoClient, db: Db): Store {
  const users: Collection<Doc<User>> = db.collection('users');
  const credentials: Collection<CredentialDoc> = db.collection('credentials');
  const audit: Collection<AuditEvent> = db.collection('audit_events');

  return {
    kind: 'mongo',
    users: {
      insert: (user) =>
        insertOrConflict(
          () => users.insertOne(toDoc(user)),
          () => new ConflictError('username_taken', `username ${user.username}`),
        ),
      findById: async (id) => fromDoc<User>(await guard(() => users.findOne({ _id: id }))),
      findByUsername: async (username) => fromDoc<User>(await guard(() => users.findOne({ username }))),
      // One round trip: the user and, joined on the credentials' by_user index, their keys.
      findWithCredentials: async (username) => {
        const [doc] = await guard(() =>
          users
            .aggregate<Doc<User> & { credentials: CredentialDoc[] }>([
              { $match: { username } },
              { $limit: 1 },
              { $lookup: { from: 'credentials', localField: '_id', foreignField: 'userId', as: 'credentials' } },
            ])
            .toArray(),
        );
        if (!doc) return undefined;
        const { credentials: joined, ...user } = doc;
        return { user: fromDoc<User>(user)!, credentials: joined.sort(oldestFirst).map((d) => credentialFromDoc(d)!) };
      },
      delete: async (id) => (await guard(() => users.deleteOne({ _id: id }))).deletedCount === 1,
      setRole: async (id, role) => (await guard(() => users.updateOne({ _id: id }, { $set: { role } }))).matchedCount === 1,
      list: async ({ search, role, afterUsername, limit }) => {
        const filter: Filter<Doc<User>> = {};
        if (afterUsername !== undefined) filter.username = { $gt: afterUsername };
        // A user without a role is a `user`.
        if (role !== undefined) Object.assign(filter, role === 'user' ? { $or: [{ role: 'user' }, { role: { $exists: false } }] } : { role });
        if (search !== undefined) {
          const pattern = search.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          filter.$and = [{ $or: [{ username: { $regex: pattern, $options: 'i' } }, { displayName: { $regex: pattern, $options: 'i' } }] }];
        }
        const docs = await guard(() => users.find(filter).sort({ username: 1 }).limit(limit).toArray());
        return docs.map((d) => fromDoc<User>(d)!);
      },
    },
    credentials: {
      insert: (credential) =>
        insertOrConflict(
          () => credentials.insertOne(credentialToDoc(credential)),
          () => new ConflictError('credential_exists', `credential id ${credential.id}`),
        ),
      findById: async (id) => credentialFromDoc(await guard(() => credentials.findOne({ _id: id }))),
      // One round trip: the credential and, joined on users' _id, its owner.
      findWithOwner: async (id) => {
        const [doc] = await guard(() =>
          credentials
            .aggregate<CredentialDoc & { owner: Doc<User>[] }>([
              { $match: { _id: id } },
              { $limit: 1 },
              { $lookup: { from: 'users', localField: 'userId', foreignField: '_id', as: 'owner' } },
            ])
            .toArray(),
        );
        if (!doc) return undefined;
        const { owner: [owner], ...credential } = doc;
        return owner ? { credential: credentialFromDoc(credential)!, owner: fromDoc<User>(owner)! } : { credential: credentialFromDoc(credential)! };
      },
      listByUser: async (userId) => {
        const docs = await guard(() => credentials.find({ userId }).sort({ createdAt: 1, _id: 1 }).toArray());
        return docs.map((d) => credentialFromDoc(d)!);
      },
      recordUse: async (id, expected, u) => {
        const r = await guard(() =>
          credentials.updateOne(
            { _id: id, counter: expected.counter, userId: expected.userId, createdAt: expected.createdAt, disabled: { $ne: true }, possiblyCloned: { $ne: true } },
            { $set: { counter: u.counter, lastUsedAt: u.lastUsedAt, backedUp: u.backedUp } },
          ),
        );
        return r.matchedCount === 1;
      },
      markPossiblyCloned: async (id) =>
        (await guard(() => credentials.updateOne({ _id: id }, { $set: { possiblyCloned: true } }))).matchedCount === 1,
      setDisabled: async (id, disabled, why, opts) => {
        const filter: Filter<CredentialDoc> = opts?.onlyIfDisabledBy === undefined ? { _id: id } : { _id: id, disabled: true, disabledBy: opts.onlyIfDisabledBy };
        const update = disabled
          ? { $set: { disabled, ...(why ? { disabledBy: why.by, disabledReason: why.reason, disabledAt: why.at } : {}) } }
          : { $set: { disabled }, $unset: { disabledBy: 1, disabledReason: 1, disabledAt: 1 } as const };
        return (await guard(() => credentials.updateOne(filter, update))).matchedCount === 1;
      },
      clearPossiblyCloned: async (id) =>
        (await guard(() => credentials.updateOne({ _id: id, possiblyCloned: true }, { $set: { possiblyCloned: false } }))).matchedCount === 1,
      deleteAny: async (id) => (await guard(() => credentials.deleteOne({ _id: id }))).deletedCount === 1,
      scan: async (afterId, limit) => {
        const docs = await guard(() => credentials.find(afterId === undefined ? {} : { _id: { $gt: afterId } }).sort({ _id: 1 }).limit(limit).toArray());
        return docs.map((d) => credentialFromDoc(d)!);
      },
      rename: async (id, userId, name) =>
        (await guard(() => credentials.updateOne({ _id: id, userId }, { $set: { name } }))).matchedCount === 1,
      delete: async (id, userId) => (await guard(() => credentials.deleteOne({ _id: id, userId }))).deletedCount === 1,
    },
    ...mongoSessions(db),
    ...mongoFactors(db),
    lockouts: mongoLockouts(db),
    ...mongoTokens(db),
    audit: {
      appendMany: async (events) => {
        if (events.length === 0) return;
        await guard(() => audit.insertMany(events.map((e) => ({ ...e })), { ordered: false }));
      },
      list: async ({ userId, type, from, to, before, limit, now }) => {
        const and: Filter<AuditEvent>[] = [];
        if (userId !== undefined) and.push({ userId });
        if (type !== undefined) and.push({ type });
        if (from !== undefined || to !== undefined) and.push({ at: { ...(from && { $gte: from }), ...(to && { $lt: to }) } });
        if (now !== undefined) and.push({ $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] });
        if (before !== undefined) and.push({ $or: [{ at: { $lt: before.at } }, { at: before.at, id: { $lt: before.id } }] });
        const docs = await guard(() =>
          audit.find(and.length > 0 ? { $and: and } : {}, { projection: { _id: 0 } }).sort({ at: -1, id: -1 }).limit(limit).toArray(),
        );
        return docs as AuditEvent[];
      },
    },
    rateLimits: mongoRateLimits(db),
    locks: mongoLocks(db),
    ...mongoTrust(db),
    ...mongoOob(db),
    ...mongoApprovals(db),
    async ping() {
      await guard(() => db.command({ ping: 1 }));
    },
    async close() {
      await client.close();
    },
  };
}

/** listByUser's order: createdAt, then id. */
function oldestFirst(a: { createdAt: Date; _id: string }, b: { createdAt: Date; _id: string }): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

function credentialToDoc(c: StoredCredential): CredentialDoc {
  const doc = toDoc(c);
  return { ...doc, publicKey: new Binary(c.publicKey), attestationObject: new Binary(c.attestationObject) };
}

function credentialFromDoc(doc: CredentialDoc | null): StoredCredential | undefined {
  if (!doc) return undefined;
  const c = fromDoc<StoredCredential>(doc)!;
  return { ...c, publicKey: new Uint8Array(doc.publicKey.buffer), attestationObject: new Uint8Array(doc.attestationObject.buffer) };
}
