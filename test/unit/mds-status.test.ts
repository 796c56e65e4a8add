/**
 * metadataStatus (server/src/attestation/mds-status.ts): the MDS3 statusReport in effect at a
 * given time, and whether its status is refused.
 */
import { describe, expect, it } from '@jest/globals';
import { REFUSED_STATUSES, metadataStatus } from '../../server/src/attestation/mds-status.js';
import type { MetadataEntry } from '../../server/src/storage/records.js';

const NOW = new Date('2026-06-15T12:00:00Z');
const entry = (statusReports: MetadataEntry['statusReports']): MetadataEntry => ({
  aaguid: 'cb69481e-8ff7-4039-93ec-0a2729a154a8',
  description: 'YubiKey 5 Series',
  statusReports,
  attestationRootCertificates: [],
});

describe('metadataStatus', () => {
  const cases: { name: string; entry: MetadataEntry | undefined; now?: Date; expected: ReturnType<typeof metadataStatus> }[] = [
    { name: 'unlisted AAGUID', entry: undefined, expected: { listed: false, refused: false } },
    { name: 'listed without reports', entry: entry([]), expected: { listed: true, refused: false } },
    {
      name: 'single certified report',
      entry: entry([{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' }]),
      expected: { listed: true, status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01', refused: false },
    },
    {
      name: 'latest in effect wins regardless of list order',
      entry: entry([
        { status: 'REVOKED', effectiveDate: '2026-01-10' },
        { status: 'FIDO_CERTIFIED', effectiveDate: '2019-05-01' },
      ]),
      expected: { listed: true, status: 'REVOKED', effectiveDate: '2026-01-10', refused: true },
    },
    {
      name: 'a report in the future is ignored',
      entry: entry([
        { status: 'FIDO_CERTIFIED', effectiveDate: '2019-05-01' },
        { status: 'REVOKED', effectiveDate: '2026-06-16' },
      ]),
      expected: { listed: true, status: 'FIDO_CERTIFIED', effectiveDate: '2019-05-01', refused: false },
    },
    {
      name: 'a report dated today (UTC) is in effect',
      entry: entry([
        { status: 'FIDO_CERTIFIED', effectiveDate: '2019-05-01' },
        { status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2026-06-15' },
      ]),
      expected: { listed: true, status: 'ATTESTATION_KEY_COMPROMISE', effectiveDate: '2026-06-15', refused: true },
    },
    {
      name: 'UTC date, not local: 23:30Z on the 14th does not reach a report of the 15th',
      entry: entry([{ status: 'REVOKED', effectiveDate: '2026-06-15' }]),
      now: new Date('2026-06-14T23:30:00Z'),
      expected: { listed: true, refused: false },
    },
    {
      name: 'only future reports: listed, no status',
      entry: entry([{ status: 'REVOKED', effectiveDate: '2030-01-01' }]),
      expected: { listed: true, refused: false },
    },
    {
      name: 'a report without effectiveDate is in effect',
      entry: entry([{ status: 'USER_VERIFICATION_BYPASS' }]),
      expected: { listed: true, status: 'USER_VERIFICATION_BYPASS', refused: true },
    },
    {
      name: 'an undated report is older than any dated one',
      entry: entry([{ status: 'REVOKED' }, { status: 'FIDO_CERTIFIED_L2', effectiveDate: '2021-01-01' }]),
      expected: { listed: true, status: 'FIDO_CERTIFIED_L2', effectiveDate: '2021-01-01', refused: false },
    },
    {
      name: 'a later report fixes an earlier compromise',
      entry: entry([
        { status: 'USER_KEY_REMOTE_COMPROMISE', effectiveDate: '2024-01-01' },
        { status: 'UPDATE_AVAILABLE', effectiveDate: '2024-03-01' },
      ]),
      expected: { listed: true, status: 'UPDATE_AVAILABLE', effectiveDate: '2024-03-01', refused: false },
    },
    {
      name: 'same date: the one listed later wins',
      entry: entry([
        { status: 'FIDO_CERTIFIED', effectiveDate: '2024-01-01' },
        { status: 'USER_KEY_PHYSICAL_COMPROMISE', effectiveDate: '2024-01-01' },
      ]),
      expected: { listed: true, status: 'USER_KEY_PHYSICAL_COMPROMISE', effectiveDate: '2024-01-01', refused: true },
    },
  ];
  it.each(cases)('$name', ({ entry: e, now, expected }) => {
    expect(metadataStatus(e, now ?? NOW)).toEqual(expected);
  });

  it('refuses exactly the five compromise/revocation statuses', () => {
    expect([...REFUSED_STATUSES].sort()).toEqual([
      'ATTESTATION_KEY_COMPROMISE',
      'REVOKED',
      'USER_KEY_PHYSICAL_COMPROMISE',
      'USER_KEY_REMOTE_COMPROMISE',
      'USER_VERIFICATION_BYPASS',
    ]);
    for (const status of ['FIDO_CERTIFIED', 'NOT_FIDO_CERTIFIED', 'UPDATE_AVAILABLE', 'SELF_ASSERTION_SUBMITTED']) {
      expect(metadataStatus(entry([{ status }]), NOW).refused).toBe(false);
    }
  });
});
