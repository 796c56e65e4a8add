/**
 * verifyMetadataBlob: the FIDO MDS3 BLOB's JWS signature, its x5c chain to MDS_ROOT_CERT, the
 * chain's CRLs (fetched from a loopback server or given offline), and the payload.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MetadataBlobError, crlsFromFile, verifyMetadataBlob } from '../../server/src/attestation/mds-blob.js';
import { createTestCa } from '../helpers/test-ca.js';
import { TEST_MDS_AAGUIDS, createTestMds, testEntries, type TestMds } from '../helpers/test-mds.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let mds: TestMds;
let caRootB64: string;

beforeAll(async () => {
  mds = await createTestMds();
  caRootB64 = Buffer.from((await createTestCa()).rootDer).toString('base64');
});
afterAll(async () => {
  await mds.close();
});

function restoreCrls(): Promise<void> {
  return Promise.all([mds.makeCrl({ issuer: 'root' }), mds.makeCrl({ issuer: 'intermediate' })]).then(([r, i]) => {
    mds.serve('root.crl', r);
    mds.serve('intermediate.crl', i);
  });
}

async function refusal(p: Promise<unknown>): Promise<MetadataBlobError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MetadataBlobError);
  return err as MetadataBlobError;
}

describe('verifyMetadataBlob', () => {
  it('accepts a good BLOB (CRLs fetched over http) and reduces its entries', async () => {
    const jwt = await mds.blob({ no: 42, nextUpdate: '2030-01-31', entries: testEntries([caRootB64]) });
    const before = { root: mds.requests('root.crl'), int: mds.requests('intermediate.crl') };
    const blob = await verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() });
    expect(blob.no).toBe(42);
    expect(blob.nextUpdate).toBe('2030-01-31');
    // The U2F entry without an AAGUID is dropped.
    expect(blob.entries.map((e) => e.aaguid)).toEqual([TEST_MDS_AAGUIDS.allowed, TEST_MDS_AAGUIDS.revoked]);
    expect(blob.entries[1]).toEqual({
      aaguid: TEST_MDS_AAGUIDS.revoked,
      description: 'Keygate Revoked Key',
      statusReports: [
        { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' },
        { status: 'REVOKED', effectiveDate: '2021-06-01' },
      ],
      attestationRootCertificates: [caRootB64],
      attestationTypes: ['basic_full'],
      keyProtection: ['hardware', 'secure_element'],
      attachmentHint: ['external', 'wired'],
    });
    expect(mds.requests('root.crl')).toBe(before.root + 1);
    expect(mds.requests('intermediate.crl')).toBe(before.int + 1);
  });

  it('lower-cases AAGUIDs', async () => {
    const entries = testEntries([]);
    (entries[0] as { aaguid: string }).aaguid = TEST_MDS_AAGUIDS.allowed.toUpperCase();
    const blob = await verifyMetadataBlob(await mds.blob({ no: 1, entries }), { root: mds.rootCert, now: new Date() });
    expect(blob.entries[0].aaguid).toBe(TEST_MDS_AAGUIDS.allowed);
  });

  it('accepts an RS256 signer, and x5c including the root', async () => {
    const rsa = await mds.issueSigner({ alg: 'RS256' });
    const jwt = await mds.blob({ no: 3 }, { signer: rsa, x5c: [rsa.certDer, mds.intermediateDer, mds.rootDer] });
    expect((await verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() })).no).toBe(3);
  });

  it('uses offline CRLs (DER or PEM files) instead of fetching', async () => {
    const jwt = await mds.blob({ no: 4 });
    const before = mds.requests('root.crl') + mds.requests('intermediate.crl');
    const fetchCrl = () => Promise.reject(new Error('offline'));
    await verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date(), crls: mds.servedCrls(), fetchCrl });
    const pem = mds
      .servedCrls()
      .map((der) => `-----BEGIN X509 CRL-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`)
      .join('');
    const fromPem = crlsFromFile(new TextEncoder().encode(pem));
    expect(fromPem).toHaveLength(2);
    await verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date(), crls: fromPem, fetchCrl });
    expect(mds.requests('root.crl') + mds.requests('intermediate.crl')).toBe(before);
  });

  it('refuses a tampered payload: signature', async () => {
    const [h, , s] = (await mds.blob({ no: 5 })).split('.');
    const forged = Buffer.from(JSON.stringify({ no: 999, nextUpdate: '2030-01-01', entries: [] })).toString('base64url');
    const err = await refusal(verifyMetadataBlob(`${h}.${forged}.${s}`, { root: mds.rootCert, now: new Date() }));
    expect(err.message).toMatch(/^signature: /);
  });

  it('refuses a BLOB signed with a key that is not the x5c leaf', async () => {
    const other = await mds.issueSigner();
    const jwt = await mds.blob({ no: 5 }, { signer: other, x5c: [mds.signer.certDer, mds.intermediateDer] });
    expect((await refusal(verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() }))).message).toMatch(/^signature: /);
  });

  it('refuses a chain to another root', async () => {
    const other = await createTestMds();
    try {
      const jwt = await mds.blob({ no: 6 });
      const err = await refusal(verifyMetadataBlob(jwt, { root: other.rootCert, now: new Date() }));
      expect(err.message).toMatch(/chain does not reach MDS_ROOT_CERT/);
    } finally {
      await other.close();
    }
  });

  it('refuses a chain with the intermediate missing', async () => {
    const jwt = await mds.blob({ no: 6 }, { x5c: [mds.signer.certDer] });
    expect((await refusal(verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() }))).message).toMatch(/chain does not reach MDS_ROOT_CERT/);
  });

  it('refuses an expired signing certificate', async () => {
    const expired = await mds.issueSigner({ notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    const jwt = await mds.blob({ no: 7 }, { signer: expired });
    const err = await refusal(verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() }));
    expect(err.message).toMatch(/^certificate not valid at .*Keygate Test MDS Signer/);
  });

  it('refuses a BLOB whose intermediate the root CRL revokes', async () => {
    mds.serve('root.crl', await mds.makeCrl({ issuer: 'root', revoke: [mds.intermediateSerial] }));
    try {
      const err = await refusal(verifyMetadataBlob(await mds.blob({ no: 8 }), { root: mds.rootCert, now: new Date() }));
      expect(err.message).toMatch(/^certificate revoked by CRL .*root\.crl: .*Keygate Test MDS CA/);
    } finally {
      await restoreCrls();
    }
  });

  it('refuses a BLOB whose signer the intermediate CRL revokes (offline CRL)', async () => {
    const crls = [await mds.makeCrl({ issuer: 'root' }), await mds.makeCrl({ issuer: 'intermediate', revoke: [mds.signer.serialNumber] })];
    const err = await refusal(verifyMetadataBlob(await mds.blob({ no: 8 }), { root: mds.rootCert, now: new Date(), crls }));
    expect(err.message).toMatch(/^certificate revoked by CRL configured CRL file: .*Keygate Test MDS Signer/);
  });

  it('fails closed when a named CRL cannot be fetched', async () => {
    mds.serve('intermediate.crl', null);
    try {
      const err = await refusal(verifyMetadataBlob(await mds.blob({ no: 9 }), { root: mds.rootCert, now: new Date() }));
      expect(err.message).toBe(`CRL unavailable: ${mds.crlUrls.intermediate}: HTTP 404`);
    } finally {
      await restoreCrls();
    }
  });

  it('fails closed with an injected fetcher that throws', async () => {
    const err = await refusal(
      verifyMetadataBlob(await mds.blob({ no: 9 }), { root: mds.rootCert, now: new Date(), fetchCrl: () => Promise.reject(new Error('ETIMEDOUT')) }),
    );
    expect(err.message).toMatch(/^CRL unavailable: .*ETIMEDOUT/);
  });

  it('refuses a CRL with a bad signature', async () => {
    mds.serve('root.crl', await mds.makeCrl({ issuer: 'root', wrongKey: true }));
    try {
      const err = await refusal(verifyMetadataBlob(await mds.blob({ no: 10 }), { root: mds.rootCert, now: new Date() }));
      expect(err.message).toMatch(/^CRL .*root\.crl: signature does not verify/);
    } finally {
      await restoreCrls();
    }
  });

  it('ignores an offline CRL with a bad signature (and, with no fetch possible, fails closed)', async () => {
    const bad = await mds.makeCrl({ issuer: 'intermediate', wrongKey: true, revoke: [] });
    const err = await refusal(
      verifyMetadataBlob(await mds.blob({ no: 10 }), { root: mds.rootCert, now: new Date(), crls: [bad], fetchCrl: () => Promise.reject(new Error('offline')) }),
    );
    expect(err.message).toMatch(/^CRL unavailable: /);
  });

  it('refuses a stale CRL and one not yet valid', async () => {
    mds.serve('intermediate.crl', await mds.makeCrl({ issuer: 'intermediate', thisUpdate: new Date(Date.now() - 10 * DAY_MS), nextUpdate: new Date(Date.now() - DAY_MS) }));
    try {
      const err = await refusal(verifyMetadataBlob(await mds.blob({ no: 11 }), { root: mds.rootCert, now: new Date() }));
      expect(err.message).toMatch(/^CRL .*intermediate\.crl: stale/);
      mds.serve('intermediate.crl', await mds.makeCrl({ issuer: 'intermediate', thisUpdate: new Date(Date.now() + DAY_MS) }));
      const err2 = await refusal(verifyMetadataBlob(await mds.blob({ no: 11 }), { root: mds.rootCert, now: new Date() }));
      expect(err2.message).toMatch(/^CRL .*intermediate\.crl: not yet valid/);
    } finally {
      await restoreCrls();
    }
  });

  it('needs no CRL for a chain that names no distribution point', async () => {
    // The signer has none; the intermediate still names the root CRL.
    const noDp = await mds.issueSigner({ crlDistributionPoint: false });
    const seen: string[] = [];
    const fetchCrl = async (url: string) => {
      seen.push(url);
      return mds.makeCrl({ issuer: 'root' });
    };
    await verifyMetadataBlob(await mds.blob({ no: 12 }, { signer: noDp }), { root: mds.rootCert, now: new Date(), fetchCrl });
    expect(seen).toEqual([mds.crlUrls.root]);
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not a jwt at all'],
    ['two parts', 'eyJhbGciOiJFUzI1NiJ9.e30'],
    ['header not JSON', 'bm90IGpzb24.e30.c2ln'],
  ])('refuses non-JWT input (%s)', async (_name, input) => {
    const err = await refusal(verifyMetadataBlob(input, { root: mds.rootCert, now: new Date() }));
    expect(err.message).toMatch(/^not a JWS compact serialization|^header: /);
  });

  it('refuses a header without x5c', async () => {
    const err = await refusal(verifyMetadataBlob('eyJhbGciOiJFUzI1NiJ9.e30.c2ln', { root: mds.rootCert, now: new Date() }));
    expect(err.message).toMatch(/^header: x5c/);
  });

  it('refuses an oversized BLOB before parsing it', async () => {
    const err = await refusal(verifyMetadataBlob('a'.repeat(20 * 1024 * 1024 + 1), { root: mds.rootCert, now: new Date() }));
    expect(err.message).toMatch(/^BLOB too large/);
  });

  it('refuses a payload without `no`, and one with a bad entry', async () => {
    const noNo = await mds.sign({ legalHeader: 'x', nextUpdate: '2030-01-01', entries: [] });
    expect((await refusal(verifyMetadataBlob(noNo, { root: mds.rootCert, now: new Date() }))).message).toMatch(/^payload: no: /);
    const badDate = await mds.sign({ no: 1, nextUpdate: '2030-02-30', entries: [] });
    expect((await refusal(verifyMetadataBlob(badDate, { root: mds.rootCert, now: new Date() }))).message).toMatch(/^payload: nextUpdate: /);
    const badEntry = await mds.sign({ no: 1, nextUpdate: '2030-01-01', entries: [{ aaguid: 'nope', statusReports: [] }] });
    expect((await refusal(verifyMetadataBlob(badEntry, { root: mds.rootCert, now: new Date() }))).message).toMatch(/^payload: entries\.0\.aaguid: /);
  });
});
