import type { Db } from 'mongodb';
import type { PasswordRecord, PasswordStore, RecoveryCodeSet, RecoveryCodeStore, SignInAttempt, SignInAttemptStore, TotpRecord, TotpStore } from '../ports.js';
import { guard } from './mongo-errors.js';
import { fromDoc } from './mongo-docs.js';

type Keyed<T, K extends keyof T> = Omit<T, K> & { _id: string };


/**
 * The MongoDB store's second-factor parts. One document per user (per session for half
 * sign-ins), and every invariant is one atomic single-document operation:
 * - a half sign-in is completed with `findOneAndDelete` on its session id AND attempt id;
 * - TOTP confirm and `useStep` are compare-and-set `updateOne`s (filter on the sealed
 *   secret and `lastUsedStep < step`), so one time step is accepted once only;
 * - a recovery code is consumed with `updateOne({ hashes: h }, { $pull: { hashes: h } })`.
 */
export function mongoFactors(db: Db): { signInAttempts: SignInAttemptStore; passwords: PasswordStore; totp: TotpStore; recoveryCodes: RecoveryCodeStore } {
  const attempts = db.collection<Keyed<SignInAttempt, 'id'>>('sign_in_attempts');
  const passwords = db.collection<Keyed<PasswordRecord, 'userId'>>('passwords');
  const totp = db.collection<Keyed<TotpRecord, 'userId'>>('totp');
  const codes = db.collection<Keyed<RecoveryCodeSet, 'userId'>>('recovery_codes');

  return {
    signInAttempts: {
      put: async ({ id, ...rest }) => {
        await guard(() => attempts.replaceOne({ _id: id }, rest, { upsert: true }));
      },
      get: async (id, now) => fromDoc(await guard(() => attempts.findOne({ _id: id, expiresAt: { $gt: now } })), 'id'),
      take: async (id, attemptId, now) => fromDoc(await guard(() => attempts.findOneAndDelete({ _id: id, attemptId, expiresAt: { $gt: now } })), 'id'),
      delete: async (id) => (await guard(() => attempts.deleteOne({ _id: id }))).deletedCount === 1,
      deleteByUser: async (userId) => (await guard(() => attempts.deleteMany({ userId }))).deletedCount,
    },
    passwords: {
      get: async (userId) => fromDoc(await guard(() => passwords.findOne({ _id: userId })), 'userId'),
      set: async ({ userId, ...rest }) => {
        await guard(() => passwords.replaceOne({ _id: userId }, rest, { upsert: true }));
      },
      delete: async (userId) => (await guard(() => passwords.deleteOne({ _id: userId }))).deletedCount === 1,
    },
    totp: {
      get: async (userId) => fromDoc(await guard(() => totp.findOne({ _id: userId })), 'userId'),
      setPending: async (userId, pending) => {
        await guard(() => totp.updateOne({ _id: userId }, { $set: { pending } }, { upsert: true }));
      },
      confirm: async (userId, sealedSecret, step, now) => {
        const r = await guard(() =>
          totp.updateOne(
            { _id: userId, 'pending.sealedSecret': sealedSecret, 'pending.expiresAt': { $gt: now } },
            { $set: { active: { sealedSecret, lastUsedStep: step, confirmedAt: now } }, $unset: { pending: '' } },
          ),
        );
        return r.modifiedCount === 1;
      },
      useStep: async (userId, sealedSecret, step) => {
        const r = await guard(() =>
          totp.updateOne({ _id: userId, 'active.sealedSecret': sealedSecret, 'active.lastUsedStep': { $lt: step } }, { $set: { 'active.lastUsedStep': step } }),
        );
        return r.modifiedCount === 1;
      },
      remove: async (userId) => {
        const doc = await guard(() => totp.findOneAndDelete({ _id: userId }));
        return doc?.active !== undefined && doc.active !== null;
      },
    },
    recoveryCodes: {
      get: async (userId) => fromDoc(await guard(() => codes.findOne({ _id: userId })), 'userId'),
      replace: async ({ userId, ...rest }) => {
        await guard(() => codes.replaceOne({ _id: userId }, rest, { upsert: true }));
      },
      consume: async (userId, hash) => (await guard(() => codes.updateOne({ _id: userId, hashes: hash }, { $pull: { hashes: hash } }))).modifiedCount === 1,
    },
  };
}
