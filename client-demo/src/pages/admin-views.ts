/** What the admin page shows of the MDS3 status and of an audit event (admin-page.ts). */
import type { AdminAuditEvent, AdminMdsReply } from '../api.js';
import { fact, h } from '../dom.js';
import { when } from '../format.js';

/** The MDS3 panel's facts: configured, source, BLOB no, nextUpdate, entries, last refresh and its error. */
export function mdsFactsOf(m: AdminMdsReply) {
  const last = m.lastRefresh;
  return [
    fact('Configured', m.configured ? 'Yes' : 'No (MDS_URL and MDS_FILE are not set: no MDS3 statuses, no MDS3 roots)', 'admin-mds-configured'),
    m.configured ? fact('Source', m.source ?? 'none yet', 'admin-mds-source') : [],
    m.configured ? fact('BLOB no', m.no === null ? 'none loaded' : String(m.no), 'admin-mds-no') : [],
    m.configured ? fact('Next update', m.nextUpdate ?? 'unknown', 'admin-mds-next-update') : [],
    fact('Entries', String(m.entries), 'admin-mds-entries'),
    m.storedAt ? fact('Stored', when(m.storedAt)) : [],
    last ? fact('Last refresh', `${when(last.at)}${last.no !== null ? ` (BLOB no ${last.no})` : ''}`, 'admin-mds-last-refresh') : [],
    last?.error ? fact('Last refresh error', last.error, 'admin-mds-error') : [],
  ];
}

/** One audit event: type and code, when, whose, which credential, from where, and its data. */
export function auditEventItem(e: AdminAuditEvent): HTMLElement {
  const data = e.data && Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : undefined;
  return h('li', { class: `activity ${e.outcome}`, 'data-testid': 'admin-audit-event', 'data-type': e.type },
    h('span', { class: 'activity-what' }, `${e.type}${e.code ? ` (${e.code})` : ''}`),
    h('span', { class: 'hint' }, [when(e.at), e.userId && `user ${e.userId}`, e.credentialId && `credential ${e.credentialId}`, e.ip].filter(Boolean).join(' · ')),
    data && h('code', { class: 'audit-data' }, data),
  );
}
