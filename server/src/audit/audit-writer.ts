import { GroupCommit } from '../lib/group-commit.js';
import type { AuditEvent, AuditStore } from '../storage/ports.js';

/** Most events one write carries (one MongoDB insertMany). */
export const MAX_AUDIT_BATCH = 100;

/**
 * Writes audit events through `AuditStore.appendMany` by group commit (lib/group-commit.ts):
 * an event written while no write is in flight goes at once, alone; events written while one
 * is in flight go together in the next write (at most MAX_AUDIT_BATCH). So concurrent
 * requests share audit writes, and one request alone pays exactly what it paid before.
 * Durable as before: `write` resolves only once the store stored its event, and rejects with
 * the error of its batch's write (the caller logs it). Events reach the store in the order
 * they were written.
 */
export class AuditWriter {
  private readonly commit: GroupCommit<AuditEvent>;

  constructor(audit: AuditStore, maxBatch = MAX_AUDIT_BATCH) {
    this.commit = new GroupCommit((events) => audit.appendMany(events), maxBatch);
  }

  write(event: AuditEvent): Promise<void> {
    return this.commit.write(event);
  }
}

const writers = new WeakMap<AuditStore, AuditWriter>();

/** The writer of this audit store (one per store object, so each app of a process has its own). */
export function auditWriterFor(audit: AuditStore): AuditWriter {
  let writer = writers.get(audit);
  if (!writer) writers.set(audit, (writer = new AuditWriter(audit)));
  return writer;
}
