import { GroupCommit } from '../lib/group-commit.js';
import type { AuditEvent, AuditStore } from '../storage/ports.js';

/** Most events one write carries (one MongoDB insertMany). */
export const MAX_AUDIT_BATCH = 100;

/**
 * A writer of audit events through `AuditStore.appendMany` by group commit
 * (lib/group-commit.ts): an event written while no write is in flight goes at once, alone;
 * events written while one is in flight go together in the next write (at most `maxBatch`).
 * So concurrent requests share audit writes, and one request alone pays exactly what it paid
 * before. Durable as before: `write` resolves only once the store stored its event, and
 * rejects with the error of its batch's write (the caller logs it). Events reach the store
 * in the order they were written.
 */
export function auditWriter(audit: AuditStore, maxBatch = MAX_AUDIT_BATCH): GroupCommit<AuditEvent> {
  return new GroupCommit((events) => audit.appendMany(events), maxBatch);
}

const writers = new WeakMap<AuditStore, GroupCommit<AuditEvent>>();

/** The writer of this audit store (one per store object, so each app of a process has its own). */
export function auditWriterFor(audit: AuditStore): GroupCommit<AuditEvent> {
  let writer = writers.get(audit);
  if (!writer) writers.set(audit, (writer = auditWriter(audit)));
  return writer;
}
