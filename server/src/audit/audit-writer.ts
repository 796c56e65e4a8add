import type { AuditEvent, AuditStore } from '../storage/ports.js';

/** Most events one write carries (one MongoDB insertMany). */
export const MAX_AUDIT_BATCH = 100;

interface Pending {
  event: AuditEvent;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes audit events through `AuditStore.appendMany` by group commit: an event written while
 * no write is in flight goes at once, alone (no timer, no added wait); events written while one
 * is in flight wait for it and then go together, in one round trip (at most MAX_AUDIT_BATCH).
 * So under concurrent requests the sign-ins share audit writes, and one request alone pays
 * exactly what it paid before. Durable as before: `write` resolves only once the store
 * stored its event, and rejects with the error of its batch's write (the caller logs it).
 * Events of one writer reach the store in the order they were written.
 */
export class AuditWriter {
  private readonly queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly audit: AuditStore,
    private readonly maxBatch = MAX_AUDIT_BATCH,
  ) {}

  write(event: AuditEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.audit.appendMany(batch.map((p) => p.event));
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

const writers = new WeakMap<AuditStore, AuditWriter>();

/** The writer of this audit store (one per store object, so each app of a process has its own). */
export function auditWriterFor(audit: AuditStore): AuditWriter {
  let writer = writers.get(audit);
  if (!writer) writers.set(audit, (writer = new AuditWriter(audit)));
  return writer;
}
