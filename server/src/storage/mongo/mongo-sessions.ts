import { Binary, type Collection, type Db } from 'mongodb';
import type { Ceremony, CeremonyStore, Session, SessionStore } from '../ports.js';
import { batchedBulkWrite } from './batched-bulk-write.js';
import { guard } from './mongo-errors.js';
import { fromDoc, toDoc, type Doc } from './mongo-docs.js';

/** A session's pending ceremonies (`_id` = session id); `expiresAt` is the latest of theirs (TTL). */
interface CeremoniesDoc {
  _id: string;
  pending: Omit<Ceremony, 'id'>[];
  expiresAt: Date;
}

/** `expiresAt` of a session ended by rotation: never in the future, and told apart from a merely expired one. */
const ENDED = new Date(0);

/**
 * The MongoDB store's pending ceremonies (`pending_ceremonies`, one document per browser
 * session) and sessions (`sessions`). Ceremony starts and session rotations are write-only
 * statements whose outcome no caller reads: concurrent ones share one command
 * (batched-bulk-write.ts). Taking a ceremony is one atomic findOneAndUpdate.
 */
export function mongoSessions(db: Db): { ceremonies: CeremonyStore; sessions: SessionStore } {
  const ceremonies: Collection<CeremoniesDoc> = db.collection('pending_ceremonies');
  const sessions: Collection<Doc<Session>> = db.collection('sessions');
  const writeCeremonies = batchedBulkWrite(ceremonies);
  const writeSessions = batchedBulkWrite(sessions);
  return {
    ceremonies: {
      // One document per session: its pending ceremonies in an array capped by $slice (one
      // round trip per put), each taken by $pull in one atomic findOneAndUpdate.
      put: async (ceremony, keep) => {
        const { id, ...pending } = ceremony;
        await writeCeremonies([
          { updateOne: { filter: { _id: id }, update: { $push: { pending: { $each: [pending], $slice: -keep } }, $max: { expiresAt: ceremony.expiresAt } }, upsert: true } },
        ]);
      },
      take: async (id, challenge, now) => {
        const doc = await guard(() =>
          ceremonies.findOneAndUpdate(
            { _id: id, 'pending.challenge': challenge },
            { $pull: { pending: { challenge } } },
            { projection: { pending: { $elemMatch: { challenge } } }, returnDocument: 'before' },
          ),
        );
        // Taken even when expired (as in the memory store): an expired challenge never comes back.
        const found = doc?.pending?.[0];
        return found && found.expiresAt.getTime() > now.getTime() ? ceremonyFromDoc(id, found) : undefined;
      },
      discard: async (id) => {
        await guard(() => ceremonies.deleteOne({ _id: id }));
      },
    },
    sessions: {
      put: async (session) => {
        await guard(() => sessions.replaceOne({ _id: session.id }, toDoc(session), { upsert: true }));
      },
      // One round trip: one `update` command with two statements, in order (a bulkWrite that
      // mixed a replace and a delete would be two commands): the new session is written, then
      // the old one is ended in place: expired at the epoch (reads want expiresAt > now) and
      // untied from its user and credential (the by-user/by-credential deletes skip it); the
      // TTL index removes it. Concurrent rotations share that command (batched-bulk-write.ts).
      rotate: async (session, previousId) => {
        const put = { replaceOne: { filter: { _id: session.id }, replacement: toDoc(session), upsert: true } } as const;
        if (previousId === undefined || previousId === session.id) {
          await writeSessions([put]);
          return;
        }
        const end = { updateOne: { filter: { _id: previousId }, update: { $set: { expiresAt: ENDED }, $unset: { userId: '', credentialId: '' } } } } as const;
        await writeSessions([put, end]);
      },
      get: async (id, now) => fromDoc<Session>(await guard(() => sessions.findOne({ _id: id, expiresAt: { $gt: now } }))),
      // A session ended by rotate is gone already: deleting it again answers false.
      delete: async (id) => (await guard(() => sessions.deleteOne({ _id: id, expiresAt: { $gt: ENDED } }))).deletedCount === 1,
      deleteByCredential: async (credentialId, exceptId) => {
        const filter = exceptId === undefined ? { credentialId } : { credentialId, _id: { $ne: exceptId } };
        return (await guard(() => sessions.deleteMany(filter))).deletedCount;
      },
      detachCredential: async (id, credentialId) =>
        (await guard(() => sessions.updateOne({ _id: id, credentialId }, { $unset: { credentialId: '' } }))).modifiedCount === 1,
      deleteByUser: async (userId, exceptId) => {
        const filter = exceptId === undefined ? { userId } : { userId, _id: { $ne: exceptId } };
        return (await guard(() => sessions.deleteMany(filter))).deletedCount;
      },
    },
  };
}

/** A pending ceremony as stored; its snapshot's credential bytes come back as Binary. */
function ceremonyFromDoc(id: string, found: Omit<Ceremony, 'id'>): Ceremony {
  const ceremony = fromDoc<Ceremony>({ _id: id, ...found })!;
  if (!ceremony.snapshot) return ceremony;
  const bytes = (v: unknown): Uint8Array => (v instanceof Binary ? new Uint8Array(v.buffer) : new Uint8Array(v as Uint8Array));
  const credentials = ceremony.snapshot.credentials.map((c) => ({ ...c, publicKey: bytes(c.publicKey) }));
  return { ...ceremony, snapshot: { user: ceremony.snapshot.user, credentials } };
}
