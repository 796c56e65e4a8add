import { copyRecord } from './copy-record.js';
import type { ApprovalRequest, ApprovalStore } from '../ports.js';

/**
 * The memory store's sign-in approval requests (contracts in ports.ts ApprovalStore). Each
 * method body runs without awaiting, so each operation is atomic within the process; values
 * are copied in and out.
 */
export function createMemoryApprovals(): { approvals: ApprovalStore } {
  const copy = copyRecord;
  const requests = new Map<string, ApprovalRequest>();
  const live = (r: ApprovalRequest | undefined, now: Date) => (r && r.expiresAt.getTime() > now.getTime() ? r : undefined);
  const pending = (r: ApprovalRequest | undefined, now: Date) => (live(r, now) && r!.status === 'pending' && r!.decideBy.getTime() > now.getTime() ? r : undefined);
  const byRequestId = (requestId: string, userId: string) => {
    for (const r of requests.values()) if (r.requestId === requestId && r.userId === userId) return r;
    return undefined;
  };

  return {
    approvals: {
      async put(request) {
        requests.set(request.id, copy(request));
        if (requests.size % 1000 === 0) for (const [k, v] of requests) if (v.expiresAt.getTime() <= request.createdAt.getTime()) requests.delete(k);
      },
      async forSession(id, now) {
        const r = live(requests.get(id), now);
        return r && copy(r);
      },
      async byRequestId(requestId, userId, now) {
        const r = live(byRequestId(requestId, userId), now);
        return r && copy(r);
      },
      async pendingFor(userId, now) {
        return [...requests.values()]
          .filter((r) => r.userId === userId && pending(r, now))
          .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
          .map((r) => copy(r));
      },
      async decide(requestId, userId, now, { status, decidedBy, reason }) {
        const r = pending(byRequestId(requestId, userId), now);
        if (!r) return undefined;
        r.status = status;
        r.decidedAt = new Date(now);
        r.decidedBy = decidedBy;
        if (reason !== undefined) r.reason = reason;
        return copy(r);
      },
      async markExpired(id, requestId, now) {
        const r = live(requests.get(id), now);
        if (!r || r.requestId !== requestId || r.status !== 'pending' || r.decideBy.getTime() > now.getTime()) return false;
        r.status = 'expired';
        return true;
      },
      async takeApproved(id, attemptId, now) {
        const r = live(requests.get(id), now);
        if (!r || r.attemptId !== attemptId || r.status !== 'approved') return undefined;
        requests.delete(id);
        return r;
      },
      async delete(id) {
        return requests.delete(id);
      },
    },
  };
}
