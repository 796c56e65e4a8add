import type { AuditEvent } from '../storage/ports.js';
import type { ActivityEventView } from './response-schemas.js';

/**
 * What `GET /account/activity` shows a user of one of their audit events: what happened, when,
 * how it ended (with the error code), from which IP and browser, and which key. Never the
 * developer `detail` or other `data` (they may name internals).
 */
export function activityView(e: AuditEvent): ActivityEventView {
  return {
    id: e.id,
    type: e.type,
    at: e.at.toISOString(),
    outcome: e.outcome,
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(e.credentialId !== undefined ? { credentialId: e.credentialId } : {}),
    ...(e.ip !== undefined ? { ip: e.ip } : {}),
    ...(e.userAgent !== undefined ? { userAgent: e.userAgent } : {}),
  };
}

/** The cursor of the page that ends with `e` (`before` of the next request). */
export function activityCursor(e: AuditEvent): string {
  return `${e.at.getTime()}.${e.id}`;
}
