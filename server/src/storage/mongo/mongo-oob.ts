import { MongoServerError, type Db } from 'mongodb';
import type { OobChannel, OobDestinations, OobSignInCode, OobStore, SendClaim } from '../ports.js';
import { DUPLICATE_KEY, guard } from './mongo-errors.js';
import { fromDoc } from './mongo-docs.js';

type DestinationsDoc = Omit<OobDestinations, 'userId'> & { _id: string };
type CodeDoc = Omit<OobSignInCode, 'id'> & { _id: string };
type SendDoc = { _id: string; sent: Date[]; lastAt: Date; expiresAt: Date };


/**
 * The MongoDB store's out-of-band codes, each invariant one atomic single-document operation:
 * - `oob_destinations`: one document per user (`_id` = user id), one field per channel; a
 *   check of the pending enrolment code is reserved with a conditional `$inc`, and confirming
 *   is a compare-and-set on the pending code's hash and destination;
 * - `oob_codes`: one document per session (`_id` = session cookie id); a check is reserved
 *   with `findOneAndUpdate` filtered on attemptId, expiry and the check count, and the code is
 *   taken with `findOneAndDelete` filtered on attemptId, hash and expiry (single use);
 * - `oob_sends`: one document per limited key with the last `max` send times (`$push` +
 *   `$slice`); a claim is one upsert filtered on the limits, so a refused claim collides on
 *   `_id` (11000) and writes nothing.
 * TTL indexes on `expiresAt` tidy up (ensure-indexes.ts); reads filter on it.
 */
export function mongoOob(db: Db): { oob: OobStore } {
  const destinations = db.collection<DestinationsDoc>('oob_destinations');
  const codes = db.collection<CodeDoc>('oob_codes');
  const sends = db.collection<SendDoc>('oob_sends');
  const codeFromDoc = (doc: CodeDoc | null): OobSignInCode | undefined => fromDoc<OobSignInCode>(doc);
  const pendingOf = (doc: DestinationsDoc | null, channel: OobChannel) => {
    const p = doc?.[channel]?.pending;
    return p ? { ...p } : undefined;
  };

  return {
    oob: {
      destinations: async (userId, now) => {
        const doc = await guard(() => destinations.findOne({ _id: userId }));
        if (!doc) return undefined;
        const out: OobDestinations = { userId };
        for (const channel of ['sms', 'email'] as const) {
          const state = doc[channel];
          if (!state) continue;
          out[channel] = {
            ...(state.active ? { active: state.active } : {}),
            ...(state.pending && state.pending.expiresAt.getTime() > now.getTime() ? { pending: state.pending } : {}),
          };
        }
        return out;
      },
      setPending: async (userId, channel, pending) => {
        await guard(() => destinations.updateOne({ _id: userId }, { $set: { [`${channel}.pending`]: pending } }, { upsert: true }));
      },
      reservePendingCheck: async (userId, channel, now, maxChecks) =>
        pendingOf(
          await guard(() =>
            destinations.findOneAndUpdate(
              { _id: userId, [`${channel}.pending.expiresAt`]: { $gt: now }, [`${channel}.pending.attempts`]: { $lt: maxChecks } },
              { $inc: { [`${channel}.pending.attempts`]: 1 } },
              { returnDocument: 'after' },
            ),
          ),
          channel,
        ),
      confirm: async (userId, channel, { hash, destination }, now) => {
        const r = await guard(() =>
          destinations.updateOne(
            { _id: userId, [`${channel}.pending.hash`]: hash, [`${channel}.pending.destination`]: destination, [`${channel}.pending.expiresAt`]: { $gt: now } },
            { $set: { [`${channel}.active`]: { destination, verifiedAt: now } }, $unset: { [`${channel}.pending`]: '' } },
          ),
        );
        return r.modifiedCount === 1;
      },
      remove: async (userId, channel) => {
        const before = await guard(() => destinations.findOneAndUpdate({ _id: userId }, { $unset: { [channel]: '' } }, { returnDocument: 'before' }));
        return before?.[channel]?.active !== undefined && before[channel]?.active !== null;
      },
      putCode: async ({ id, ...rest }) => {
        await guard(() => codes.replaceOne({ _id: id }, rest, { upsert: true }));
      },
      reserveCodeCheck: async (id, attemptId, now, maxChecks) =>
        codeFromDoc(
          await guard(() =>
            codes.findOneAndUpdate({ _id: id, attemptId, expiresAt: { $gt: now }, attempts: { $lt: maxChecks } }, { $inc: { attempts: 1 } }, { returnDocument: 'after' }),
          ),
        ),
      takeCode: async (id, attemptId, hash, now) => codeFromDoc(await guard(() => codes.findOneAndDelete({ _id: id, attemptId, hash, expiresAt: { $gt: now } }))),
      deleteCode: async (id, hash) => (await guard(() => codes.deleteOne({ _id: id, hash }))).deletedCount === 1,
      claimSend: async (key, now, { intervalMs, windowMs, max }) => {
        const t = now.getTime();
        const claim = () =>
          sends.updateOne(
            {
              _id: key,
              $and: [
                { $or: [{ lastAt: { $lte: new Date(t - intervalMs) } }, { expiresAt: { $lte: now } }] },
                // The last `max` sends are kept: a full list whose oldest is outside the window leaves room.
                { $or: [{ [`sent.${max - 1}`]: { $exists: false } }, { 'sent.0': { $lte: new Date(t - windowMs) } }, { expiresAt: { $lte: now } }] },
              ],
            },
            { $push: { sent: { $each: [now], $slice: -max } }, $set: { lastAt: now, expiresAt: new Date(t + Math.max(windowMs, intervalMs)) } },
            { upsert: true },
          );
        for (let tries = 0; tries < 2; tries++) {
          try {
            await guard(claim);
            return { ok: true };
          } catch (err) {
            // A held key makes the upsert insert a second `_id`: refused. Two first claims of a
            // key can also race on the insert: the loser tries once more as an update.
            if (!(err instanceof MongoServerError && err.code === DUPLICATE_KEY)) throw err;
          }
        }
        return refusal(await guard(() => sends.findOne({ _id: key })), now, { intervalMs, windowMs, max });
      },
    },
  };
}

/** Why a claim was refused, and until when, from the key's document. */
function refusal(doc: SendDoc | null, now: Date, { intervalMs, windowMs, max }: { intervalMs: number; windowMs: number; max: number }): SendClaim {
  const t = now.getTime();
  if (doc && doc.lastAt.getTime() > t - intervalMs) return { ok: false, retryAt: new Date(doc.lastAt.getTime() + intervalMs), limit: 'interval' };
  const inWindow = (doc?.sent ?? []).map((d) => d.getTime()).filter((s) => s > t - windowMs);
  if (inWindow.length >= max) return { ok: false, retryAt: new Date(inWindow[inWindow.length - max]! + windowMs), limit: 'window' };
  return { ok: false, retryAt: new Date(t + 1000), limit: 'window' };
}
