import type { Db } from 'mongodb';
import type { ApprovalRequest, ApprovalStore } from '../ports.js';
import { guard } from './mongo-errors.js';
import { fromDoc } from './mongo-docs.js';

type ApprovalDoc = Omit<ApprovalRequest, 'id'> & { _id: string };

const fromApprovalDoc = (doc: ApprovalDoc | null): ApprovalRequest | undefined => fromDoc<ApprovalRequest>(doc);

/**
 * The MongoDB store's sign-in approval requests in `approvals`, one document per requesting
 * session (`_id` = its cookie id, so a new request replaces the earlier one with one
 * `replaceOne` upsert), indexed by `requestId` and by `userId` (ensure-indexes.ts). Each
 * invariant is one atomic single-document operation: deciding is a `findOneAndUpdate`
 * filtered on status pending and `decideBy > now` (compare-and-set: one decision wins);
 * marking expired likewise filtered on `decideBy <= now`; completing is a `findOneAndDelete`
 * filtered on attemptId, status approved and expiry (single use). A TTL index on `expiresAt`
 * tidies up; reads filter on it.
 */
export function mongoApprovals(db: Db): { approvals: ApprovalStore } {
  const requests = db.collection<ApprovalDoc>('approvals');
  return {
    approvals: {
      put: async ({ id, ...rest }) => {
        await guard(() => requests.replaceOne({ _id: id }, rest, { upsert: true }));
      },
      forSession: async (id, now) => fromApprovalDoc(await guard(() => requests.findOne({ _id: id, expiresAt: { $gt: now } }))),
      byRequestId: async (requestId, userId, now) => fromApprovalDoc(await guard(() => requests.findOne({ requestId, userId, expiresAt: { $gt: now } }))),
      pendingFor: async (userId, now) => {
        const docs = await guard(() => requests.find({ userId, status: 'pending', decideBy: { $gt: now }, expiresAt: { $gt: now } }).sort({ createdAt: 1 }).limit(100).toArray());
        return docs.map((d) => fromApprovalDoc(d)!);
      },
      decide: async (requestId, userId, now, { status, decidedBy, reason }) =>
        fromApprovalDoc(
          await guard(() =>
            requests.findOneAndUpdate(
              { requestId, userId, status: 'pending', decideBy: { $gt: now }, expiresAt: { $gt: now } },
              { $set: { status, decidedAt: now, decidedBy, ...(reason !== undefined ? { reason } : {}) } },
              { returnDocument: 'after' },
            ),
          ),
        ),
      markExpired: async (id, requestId, now) => {
        const r = await guard(() => requests.updateOne({ _id: id, requestId, status: 'pending', decideBy: { $lte: now }, expiresAt: { $gt: now } }, { $set: { status: 'expired' } }));
        return r.modifiedCount === 1;
      },
      takeApproved: async (id, attemptId, now) => fromApprovalDoc(await guard(() => requests.findOneAndDelete({ _id: id, attemptId, status: 'approved', expiresAt: { $gt: now } }))),
      delete: async (id) => (await guard(() => requests.deleteOne({ _id: id }))).deletedCount === 1,
    },
  };
}
