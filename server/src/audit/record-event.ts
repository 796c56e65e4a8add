import type { Deps } from '../deps.js';
import { currentLogContext, scrubDetail } from '../lib/logger.js';
import { randomId, secureRandom } from '../lib/random.js';
import type { AuditEvent } from '../storage/ports.js';
import { auditWriterFor } from './audit-writer.js';

/** Longest developer `detail` an audit event keeps. */
export const AUDIT_DETAIL_MAX = 200;

/**
 * Writes one security event through the store: who (`userId`), what (`type`, `outcome`,
 * `code`), when, and from where (IP and User-Agent of the request being handled, and its
 * request id, taken from the request's context unless the caller gives `ip`). A developer
 * `detail` in `data` is scrubbed of challenges and ids (as in logs) and truncated; callers
 * never pass secrets, codes or whole credentials. The event expires after
 * AUDIT_RETENTION_DAYS (reads skip it, a TTL index deletes it). Written by group commit
 * (audit-writer.ts): resolves once stored; concurrent requests share one store round trip.
 * Auditing never breaks the request it describes: a failed write is logged (with the event)
 * and swallowed.
 */
export async function recordEvent(
  deps: Pick<Deps, 'store' | 'clock' | 'logger' | 'config'> & Partial<Pick<Deps, 'random'>>,
  event: Omit<AuditEvent, 'at' | 'id' | 'expiresAt' | 'userAgent' | 'requestId'>,
): Promise<void> {
  const at = deps.clock.now();
  const request = currentLogContext();
  const full: AuditEvent = {
    id: randomId(deps.random ?? secureRandom, 16),
    ...event,
    at,
    expiresAt: new Date(at.getTime() + deps.config.auditRetentionDays * 86_400_000),
  };
  if (full.ip === undefined && request?.ip !== undefined) full.ip = request.ip;
  if (request?.userAgent !== undefined) full.userAgent = request.userAgent;
  if (request?.reqId !== undefined) full.requestId = request.reqId;
  if (full.data && 'detail' in full.data) {
    const detail = scrubDetail(full.data.detail);
    full.data = { ...full.data, detail: typeof detail === 'string' && detail.length > AUDIT_DETAIL_MAX ? `${detail.slice(0, AUDIT_DETAIL_MAX - 1)}…` : detail };
  }
  try {
    await auditWriterFor(deps.store.audit).write(full);
  } catch (err) {
    deps.logger.error({ err, event: full }, 'audit event could not be written');
  }
  deps.logger.info({ audit: full }, event.type);
}
