/**
 * The FIDO MDS3 status of an authenticator model at a given time (the contract is
 * `MetadataStatusVerdict` in trust-types.ts). Pure: the entry comes from whatever BLOB is in use.
 *
 * The report in effect is the latest statusReport whose effectiveDate (YYYY-MM-DD) is not after
 * `now`'s UTC date. A report without a well-formed effectiveDate counts as in effect and as the
 * oldest; among reports with the same date the one listed later in the BLOB wins.
 */
import type { MetadataEntry } from '../storage/records.js';
import type { MetadataStatusVerdict } from './trust-types.js';

/** Statuses that mean the model (or its attestation key) must not be relied on (MDS3 §3.1.4 AuthenticatorStatus). */
export const REFUSED_STATUSES: ReadonlySet<string> = new Set([
  'REVOKED',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_VERIFICATION_BYPASS',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function metadataStatus(entry: MetadataEntry | undefined, now: Date): MetadataStatusVerdict {
  if (!entry) return { listed: false, refused: false };
  const today = now.toISOString().slice(0, 10);
  let current: { status: string; effectiveDate?: string } | undefined;
  let currentDate = '';
  for (const report of entry.statusReports ?? []) {
    const date = typeof report.effectiveDate === 'string' && DATE.test(report.effectiveDate) ? report.effectiveDate : '';
    if (date > today) continue; // announced for the future: not in effect yet
    if (current === undefined || date >= currentDate) {
      current = report;
      currentDate = date;
    }
  }
  if (!current) return { listed: true, refused: false };
  return {
    listed: true,
    status: current.status,
    ...(current.effectiveDate !== undefined ? { effectiveDate: current.effectiveDate } : {}),
    refused: REFUSED_STATUSES.has(current.status),
  };
}
