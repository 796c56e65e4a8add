/**
 * keygate's own attestation trust verdict (server/src/attestation/attestation-trust.ts) on real
 * attestations: SoftAuthenticator statements whose certificates come from a test PKI
 * (test/helpers/test-ca-chains.ts), decoded the way the registration ceremony decodes them.
 * Also loadTrustAnchors (anchor-files.ts), which feeds the service its anchors.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { convertAAGUIDToString } from '@simplewebauthn/server/helpers';
import { loadTrustAnchors } from '../../server/src/attestation/anchor-files.js';
import { CHROME_VIRTUAL_AAGUID, ZERO_AAGUID, createTrustService } from '../../server/src/attestation/attestation-trust.js';
import { describeCertificate } from '../../server/src/attestation/certificate-path.js';
import type { AttestationInput, MetadataLookup, TrustService } from '../../server/src/attestation/trust-types.js';
import { decodeAttestation } from '../../server/src/ceremonies/checks/decode-response.js';
import type { MetadataEntry } from '../../server/src/storage/records.js';
import { DEFAULT_AAGUID, SoftAuthenticator, b64url, type AttestationKind, type RegistrationOverrides } from '../helpers/soft-authenticator.js';
import type { AttestationCert } from '../helpers/test-ca.js';
import { createIntermediate, createRoot, createSelfSignedLeaf, issueLeaf, type ChainAuthority } from '../helpers/test-ca-chains.js';

const RP_ID = 'keygate.test';
const ORIGIN = 'https://keygate.test';
const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date();
const MDS_AAGUID = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const OTHER_AAGUID = 'ee882879-721c-4913-9775-3dfcce97072a';
const CHROME_SUBJECT = 'C=US, O=Chromium, OU=Authenticator Attestation, CN=Batch Certificate';

const node = (pem: string): X509Certificate => new X509Certificate(pem);

/** A registration by `auth`, decoded into what the trust service judges (plus the response, for the library). */
async function attest(auth: SoftAuthenticator, attestation: AttestationKind, overrides?: RegistrationOverrides, now: Date = NOW) {
  const challenge = b64url.encode(randomBytes(32));
  const { response } = await auth.createCredential({ challenge, attestation, overrides });
  const parts = decodeAttestation(response.response.attestationObject);
  const input: AttestationInput = { fmt: parts.fmt, attStmt: parts.attStmt, aaguid: convertAAGUIDToString(parts.parsedAuthData.aaguid!), now };
  return { input, response, challenge };
}

/** packed-full / fido-u2f with this leaf and these intermediates in x5c. */
const withChain = (leaf: AttestationCert, ...intermediates: ChainAuthority[]): RegistrationOverrides => ({
  attestationCert: leaf,
  attStmt: (s) => void s.set('x5c', [leaf.certDer, ...intermediates.map((i) => i.der)]),
});

interface Pki {
  root: ChainAuthority;
  intermediate: ChainAuthority;
  mdsRoot: ChainAuthority;
  packedLeaf: AttestationCert; // AAGUID ext = DEFAULT_AAGUID, via intermediate
  mdsLeaf: AttestationCert; // AAGUID ext = MDS_AAGUID, issued by mdsRoot
  u2fLeaf: AttestationCert; // no ext, via intermediate
  u2fLeafWithAaguid: AttestationCert; // FIDO2 key's cert reused for U2F: ext = DEFAULT_AAGUID
  shortLivedLeaf: AttestationCert; // expires in 2 days
  chrome: AttestationCert;
  chromeCa: AttestationCert;
  chromeExpired: AttestationCert;
  otherSelfSigned: AttestationCert;
}
let pki: Pki;
const soft = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
const mdsSoft = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, aaguid: MDS_AAGUID });
const chromeSoft = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, aaguid: CHROME_VIRTUAL_AAGUID });

/** The live MDS lookup of these tests: mutate `entries` and the service sees it. */
const entries = new Map<string, MetadataEntry>();
const metadata: MetadataLookup = { entry: (aaguid) => entries.get(aaguid) };
const mdsEntry = (aaguid: string, roots: ChainAuthority[], description = 'YubiKey 5 Series (MDS)'): MetadataEntry => ({
  aaguid,
  description,
  statusReports: [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' }],
  attestationRootCertificates: roots.map((r) => Buffer.from(r.der).toString('base64')),
});

let services: Record<'anchored' | 'u2fOnly' | 'empty' | 'mds' | 'dev' | 'devAnchored', TrustService>;

beforeAll(async () => {
  const root = await createRoot();
  const intermediate = await createIntermediate(root);
  const mdsRoot = await createRoot({ subject: 'C=SE, O=Yubico Test, CN=Yubico Test Attestation Root' });
  pki = {
    root,
    intermediate,
    mdsRoot,
    packedLeaf: await issueLeaf(intermediate, { aaguid: DEFAULT_AAGUID }),
    mdsLeaf: await issueLeaf(mdsRoot, { aaguid: MDS_AAGUID, subject: 'C=SE, O=Yubico Test, OU=Authenticator Attestation, CN=Yubico Test Leaf' }),
    u2fLeaf: await issueLeaf(intermediate, { subject: 'C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate U2F Leaf' }),
    u2fLeafWithAaguid: await issueLeaf(intermediate, { aaguid: DEFAULT_AAGUID }),
    shortLivedLeaf: await issueLeaf(intermediate, { aaguid: DEFAULT_AAGUID, notAfter: new Date(NOW.getTime() + 2 * DAY) }),
    chrome: await createSelfSignedLeaf({ subject: CHROME_SUBJECT }),
    chromeCa: await createSelfSignedLeaf({ subject: CHROME_SUBJECT, isCA: true }),
    chromeExpired: await createSelfSignedLeaf({ subject: CHROME_SUBJECT, notBefore: new Date(NOW.getTime() - 10 * DAY), notAfter: new Date(NOW.getTime() - DAY) }),
    otherSelfSigned: await createSelfSignedLeaf({ subject: 'C=US, O=Evil, OU=Authenticator Attestation, CN=Batch Certificate' }),
  };
  entries.set(MDS_AAGUID, mdsEntry(MDS_AAGUID, [mdsRoot]));
  entries.set(OTHER_AAGUID, mdsEntry(OTHER_AAGUID, [root], 'Other model'));
  entries.set(ZERO_AAGUID, mdsEntry(ZERO_AAGUID, [root], 'zeros'));
  const rootCert = node(root.pem);
  services = {
    anchored: createTrustService({ anchors: new Map([['packed', [rootCert]], ['fido-u2f', [rootCert]]]) }),
    u2fOnly: createTrustService({ anchors: new Map([['fido-u2f', [rootCert]]]) }),
    empty: createTrustService({ anchors: new Map() }),
    mds: createTrustService({ anchors: new Map(), metadata }),
    dev: createTrustService({ anchors: new Map(), devAuthenticators: true }),
    devAnchored: createTrustService({ anchors: new Map([['packed', [rootCert]]]), devAuthenticators: true }),
  };
});

type ServiceName = keyof typeof services;
interface Case {
  name: string;
  service: ServiceName;
  build: () => Promise<AttestationInput>;
  trusted: boolean;
  source?: 'anchor' | 'mds' | 'dev';
  /** The certificate the verdict must name as anchor. */
  anchor?: () => string;
  reason: RegExp;
}

const input = async (auth: SoftAuthenticator, kind: AttestationKind, ov?: () => RegistrationOverrides, now?: Date) => (await attest(auth, kind, ov?.(), now)).input;
const rootPem = () => pki.root.pem;
const mdsRootPem = () => pki.mdsRoot.pem;
const chromePem = () => pki.chrome.certPem;

const cases: Case[] = [
  // format rules
  { name: 'none attestation', service: 'anchored', build: () => input(soft, 'none'), trusted: false, reason: /^none attestation$/ },
  { name: 'packed self attestation', service: 'anchored', build: () => input(soft, 'packed-self'), trusted: false, reason: /^self attestation \(no x5c\)$/ },
  { name: 'none under the dev policy', service: 'dev', build: () => input(chromeSoft, 'none'), trusted: false, reason: /none attestation/ },
  // configured anchors
  { name: 'packed-full chained (leaf + intermediate) to a configured anchor', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate)), trusted: true, source: 'anchor', anchor: rootPem, reason: /configured packed anchor/ },
  { name: 'packed-full with the root in x5c too', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate, pki.root)), trusted: true, source: 'anchor', anchor: rootPem, reason: /anchor/ },
  { name: 'packed-full with no anchor configured', service: 'empty', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate)), trusted: false, reason: /no configured anchor for packed/ },
  { name: 'packed-full with the anchor configured for fido-u2f only', service: 'u2fOnly', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate)), trusted: false, reason: /no configured anchor for packed/ },
  { name: 'packed-full missing its intermediate', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf)), trusted: false, reason: /does not reach an anchor/ },
  { name: 'packed-full from another PKI', service: 'anchored', build: () => input(mdsSoft, 'packed-full', () => withChain(pki.mdsLeaf)), trusted: false, reason: /configured packed anchors: chain does not reach/ },
  { name: 'leaf AAGUID extension differs from authData', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ ...withChain(pki.packedLeaf, pki.intermediate), aaguid: OTHER_AAGUID })), trusted: false, reason: new RegExp(`leaf certificate AAGUID ${DEFAULT_AAGUID} differs from authenticator data AAGUID ${OTHER_AAGUID}`) },
  { name: 'short-lived leaf, still valid', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.shortLivedLeaf, pki.intermediate)), trusted: true, source: 'anchor', anchor: rootPem, reason: /anchor/ },
  { name: 'leaf expired at `now`', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.shortLivedLeaf, pki.intermediate), new Date(NOW.getTime() + 3 * DAY)), trusted: false, reason: /x5c\[0\].*not valid at/ },
  { name: 'judged before the PKI was valid', service: 'anchored', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate), new Date(NOW.getTime() - 2 * DAY)), trusted: false, reason: /not valid at|no anchor is valid/ },
  // fido-u2f
  { name: 'fido-u2f chained to a configured anchor', service: 'anchored', build: () => input(soft, 'fido-u2f', () => withChain(pki.u2fLeaf, pki.intermediate)), trusted: true, source: 'anchor', anchor: rootPem, reason: /configured fido-u2f anchor/ },
  { name: 'fido-u2f with a FIDO2 certificate (AAGUID extension vs zero AAGUID)', service: 'anchored', build: () => input(soft, 'fido-u2f', () => withChain(pki.u2fLeafWithAaguid, pki.intermediate)), trusted: true, source: 'anchor', anchor: rootPem, reason: /anchor/ },
  { name: 'fido-u2f with no anchor', service: 'empty', build: () => input(soft, 'fido-u2f', () => withChain(pki.u2fLeaf, pki.intermediate)), trusted: false, reason: /no configured anchor for fido-u2f/ },
  { name: 'fido-u2f is never trusted through MDS', service: 'mds', build: () => input(soft, 'fido-u2f', () => withChain(pki.u2fLeaf, pki.intermediate)), trusted: false, reason: /no configured anchor for fido-u2f$/ },
  // MDS
  { name: 'packed-full chained to the MDS root of its AAGUID', service: 'mds', build: () => input(mdsSoft, 'packed-full', () => withChain(pki.mdsLeaf)), trusted: true, source: 'mds', anchor: mdsRootPem, reason: new RegExp(`MDS attestation root of ${MDS_AAGUID}`) },
  { name: 'chained to the MDS root of a different AAGUID', service: 'mds', build: () => input(soft, 'packed-full', () => withChain(pki.packedLeaf, pki.intermediate)), trusted: false, reason: new RegExp(`no MDS entry for ${DEFAULT_AAGUID}`) },
  { name: 'MDS entry for the AAGUID, chain to another model\'s root', service: 'mds', build: () => input(mdsSoft, 'packed-full', () => withChain(pki.u2fLeaf, pki.intermediate)), trusted: false, reason: new RegExp(`MDS roots of ${MDS_AAGUID}: chain does not reach`) },
  // garbage
  { name: 'x5c is a string', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ attStmt: (s) => void s.set('x5c', 'MIIB') })), trusted: false, reason: /x5c is not a non-empty list/ },
  { name: 'x5c is empty', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ attStmt: (s) => void s.set('x5c', []) })), trusted: false, reason: /x5c is not a non-empty list/ },
  { name: 'x5c holds a number', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ ...withChain(pki.packedLeaf), attStmt: (s) => void s.set('x5c', [pki.packedLeaf.certDer, 42]) })), trusted: false, reason: /x5c is not a non-empty list/ },
  { name: 'x5c holds garbage DER', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ attStmt: (s) => void s.set('x5c', [Uint8Array.of(0x30, 0x82, 0xff)]) })), trusted: false, reason: /x5c\[0\] is not a readable X.509 certificate/ },
  { name: 'garbage intermediate after a good leaf', service: 'anchored', build: () => input(soft, 'packed-full', () => ({ ...withChain(pki.packedLeaf), attStmt: (s) => void s.set('x5c', [pki.packedLeaf.certDer, new Uint8Array(64)]) })), trusted: false, reason: /x5c\[1\] is not a readable/ },
  // dev: Chrome's virtual authenticator
  { name: 'Chrome batch certificate (packed) under the dev policy', service: 'dev', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chrome)), trusted: true, source: 'dev', anchor: chromePem, reason: /Chrome virtual authenticator/ },
  { name: 'Chrome batch certificate (fido-u2f) under the dev policy', service: 'dev', build: () => input(chromeSoft, 'fido-u2f', () => withChain(pki.chrome)), trusted: true, source: 'dev', anchor: chromePem, reason: /Chrome virtual authenticator/ },
  { name: 'Chrome batch certificate, dev policy also holding anchors', service: 'devAnchored', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chrome)), trusted: true, source: 'dev', anchor: chromePem, reason: /Chrome/ },
  { name: 'Chrome batch certificate without the dev policy', service: 'anchored', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chrome)), trusted: false, reason: /chain does not reach an anchor/ },
  { name: 'Chrome batch certificate with MDS only', service: 'mds', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chrome)), trusted: false, reason: /no MDS entry/ },
  { name: 'Chrome batch certificate, another AAGUID', service: 'dev', build: () => input(soft, 'packed-full', () => withChain(pki.chrome)), trusted: false, reason: /not the Chrome virtual authenticator/ },
  { name: 'Chrome batch certificate, fido-u2f with Chrome\'s packed AAGUID', service: 'dev', build: () => input(chromeSoft, 'fido-u2f', () => ({ ...withChain(pki.chrome), aaguid: CHROME_VIRTUAL_AAGUID })), trusted: false, reason: /not the Chrome/ },
  { name: 'Chrome subject on a CA certificate', service: 'dev', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chromeCa)), trusted: false, reason: /not the Chrome/ },
  { name: 'Chrome batch certificate expired', service: 'dev', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.chromeExpired)), trusted: false, reason: /not the Chrome/ },
  { name: 'Chrome batch certificate with an extra certificate', service: 'dev', build: () => input(chromeSoft, 'packed-full', () => ({ ...withChain(pki.chrome), attStmt: (s) => void s.set('x5c', [pki.chrome.certDer, pki.root.der]) })), trusted: false, reason: /not the Chrome/ },
  { name: 'self-signed certificate with another subject', service: 'dev', build: () => input(chromeSoft, 'packed-full', () => withChain(pki.otherSelfSigned)), trusted: false, reason: /not the Chrome/ },
  { name: 'Chrome subject issued by a CA (not self-signed)', service: 'dev', build: async () => input(chromeSoft, 'packed-full', () => withChain(chromeIssued)), trusted: false, reason: /not the Chrome/ },
];
let chromeIssued: AttestationCert;
beforeAll(async () => {
  chromeIssued = await issueLeaf(pki.root, { subject: CHROME_SUBJECT });
});

describe('TrustService.evaluate', () => {
  it.each(cases)('$name', async ({ service, build, trusted, source, anchor, reason }) => {
    const att = await build();
    const verdict = services[service].evaluate(att);
    expect(verdict).toMatchObject({ trusted, reason: expect.stringMatching(reason), evaluatedAt: att.now });
    expect(verdict.source).toBe(source);
    if (anchor) expect(verdict.anchor).toBe(describeCertificate(node(anchor())));
    else expect(verdict.anchor).toBeUndefined();
    if (trusted) expect(verdict.certificateSubject).toMatch(/OU=Authenticator Attestation/);
  });

  it('names the leaf subject and the anchor as `subject sha256:fingerprint`', async () => {
    const { input: att } = await attest(soft, 'packed-full', withChain(pki.packedLeaf, pki.intermediate));
    const root = node(pki.root.pem);
    expect(services.anchored.evaluate(att)).toEqual({
      trusted: true,
      source: 'anchor',
      anchor: `C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Chain Root sha256:${root.fingerprint256}`,
      reason: 'chains to a configured packed anchor',
      certificateSubject: 'C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate Chained Leaf',
      evaluatedAt: att.now,
    });
  });

  it('the statements used here are ones the library verifies (its path validation is skipped without roots)', async () => {
    for (const [auth, kind, ov] of [
      [soft, 'packed-full', withChain(pki.packedLeaf, pki.intermediate)],
      [soft, 'fido-u2f', withChain(pki.u2fLeaf, pki.intermediate)],
      [mdsSoft, 'packed-full', withChain(pki.mdsLeaf)],
      [chromeSoft, 'packed-full', withChain(pki.chrome)],
    ] as const) {
      const { response, challenge } = await attest(auth, kind, ov);
      const result = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID });
      expect(result.verified).toBe(true);
    }
  });

  it('two services in one process keep their own anchors', async () => {
    const other = await createRoot({ subject: 'C=US, O=Tenant B, CN=Tenant B Root' });
    const otherLeaf = await issueLeaf(other, { aaguid: DEFAULT_AAGUID });
    const a = services.anchored;
    const b = createTrustService({ anchors: new Map([['packed', [node(other.pem)]]]) });
    const fromA = (await attest(soft, 'packed-full', withChain(pki.packedLeaf, pki.intermediate))).input;
    const fromB = (await attest(soft, 'packed-full', withChain(otherLeaf))).input;
    expect([a.evaluate(fromA).trusted, a.evaluate(fromB).trusted, b.evaluate(fromA).trusted, b.evaluate(fromB).trusted]).toEqual([true, false, false, true]);
    expect(b.evaluate(fromB).anchor).toBe(describeCertificate(node(other.pem)));
  });

  it('reads the metadata at each evaluation (the lookup is live)', async () => {
    const aaguid = '149a2021-8ef6-4133-96b8-81f8d5b7f1f5';
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, aaguid });
    const leaf = await issueLeaf(pki.mdsRoot, { aaguid });
    const { input: att } = await attest(auth, 'packed-full', withChain(leaf));
    expect(services.mds.evaluate(att)).toMatchObject({ trusted: false, reason: expect.stringMatching(/no MDS entry/) });
    entries.set(aaguid, mdsEntry(aaguid, [pki.mdsRoot], 'Security Key NFC (MDS)'));
    try {
      expect(services.mds.evaluate(att)).toMatchObject({ trusted: true, source: 'mds' });
      expect(services.mds.modelName(aaguid)).toBe('Security Key NFC (MDS)');
    } finally {
      entries.delete(aaguid);
    }
    expect(services.mds.evaluate(att).trusted).toBe(false);
  });

  it('a refused MDS status does not untrust the chain (policy reads metadataStatus)', async () => {
    const saved = entries.get(MDS_AAGUID)!;
    entries.set(MDS_AAGUID, { ...saved, statusReports: [...saved.statusReports, { status: 'REVOKED', effectiveDate: '2021-01-01' }] });
    try {
      const { input: att } = await attest(mdsSoft, 'packed-full', withChain(pki.mdsLeaf));
      expect(services.mds.evaluate(att)).toMatchObject({ trusted: true, source: 'mds' });
      expect(services.mds.metadataStatus(MDS_AAGUID, NOW)).toEqual({ listed: true, status: 'REVOKED', effectiveDate: '2021-01-01', refused: true });
    } finally {
      entries.set(MDS_AAGUID, saved);
    }
  });

  it('never throws, whatever the input', () => {
    const hostile: unknown[] = [
      { fmt: 'packed', attStmt: undefined, aaguid: DEFAULT_AAGUID, now: NOW },
      { fmt: 'packed', attStmt: new Map([['x5c', null]]), aaguid: DEFAULT_AAGUID, now: NOW },
      { fmt: 'packed', attStmt: new Map([['x5c', [new Uint8Array(0)]]]), aaguid: undefined, now: NOW },
      { fmt: undefined, attStmt: new Map([['x5c', [{}]]]), aaguid: 42, now: NOW },
      { fmt: 'tpm', attStmt: new Map([['x5c', new Array(100).fill(Uint8Array.of(1))]]), aaguid: DEFAULT_AAGUID, now: NOW },
    ];
    for (const att of hostile) {
      for (const service of Object.values(services)) {
        const verdict = service.evaluate(att as AttestationInput);
        expect(verdict.trusted).toBe(false);
        expect(typeof verdict.reason).toBe('string');
      }
    }
  });
});

describe('TrustService.metadataStatus / modelName', () => {
  it('reads the MDS entry of the AAGUID', () => {
    expect(services.mds.metadataStatus(MDS_AAGUID, NOW)).toEqual({ listed: true, status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01', refused: false });
    expect(services.mds.metadataStatus(DEFAULT_AAGUID, NOW)).toEqual({ listed: false, refused: false });
    expect(services.empty.metadataStatus(MDS_AAGUID, NOW)).toEqual({ listed: false, refused: false });
  });

  it.each([
    { service: 'mds' as const, aaguid: MDS_AAGUID, name: 'YubiKey 5 Series (MDS)' },
    { service: 'mds' as const, aaguid: MDS_AAGUID.toUpperCase(), name: 'YubiKey 5 Series (MDS)' },
    { service: 'empty' as const, aaguid: MDS_AAGUID, name: 'YubiKey 5 Series' },
    { service: 'mds' as const, aaguid: CHROME_VIRTUAL_AAGUID, name: 'Chrome virtual authenticator (DevTools)' },
    { service: 'mds' as const, aaguid: DEFAULT_AAGUID, name: null },
  ])('$service $aaguid → $name', ({ service, aaguid, name }) => {
    expect(services[service].modelName(aaguid)).toBe(name);
  });
});

describe('loadTrustAnchors', () => {
  let files: Record<string, string>;
  const readFile = (path: string): string => {
    if (!(path in files)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    return files[path];
  };
  beforeAll(() => {
    files = {
      '/etc/keygate/root.pem': pki.root.pem,
      '/etc/keygate/bundle.pem': `# vendor bundle\n${pki.mdsRoot.pem}\n${pki.intermediate.pem}\n${pki.root.pem}`,
      '/etc/keygate/empty.pem': 'nothing here\n',
      '/etc/keygate/bad.pem': '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n',
      '/etc/keygate/truncated.pem': `${pki.root.pem}\n-----BEGIN CERTIFICATE-----\nMIIB\n`,
    };
  });

  it('reads one or more certificates per file, per format, without duplicates', () => {
    const anchors = loadTrustAnchors(['packed:/etc/keygate/root.pem', 'packed:/etc/keygate/bundle.pem', 'fido-u2f:/etc/keygate/root.pem'], readFile);
    expect([...anchors.keys()]).toEqual(['packed', 'fido-u2f']);
    const fp = (pem: string) => node(pem).fingerprint256;
    expect(anchors.get('packed')!.map((c) => c.fingerprint256)).toEqual([fp(pki.root.pem), fp(pki.mdsRoot.pem), fp(pki.intermediate.pem)]);
    expect(anchors.get('fido-u2f')!.map((c) => c.fingerprint256)).toEqual([fp(pki.root.pem)]);
    expect(loadTrustAnchors([], readFile).size).toBe(0);
  });

  it('feeds a trust service that then trusts chains to those anchors', async () => {
    const service = createTrustService({ anchors: loadTrustAnchors(['packed:/etc/keygate/bundle.pem'], readFile) });
    const { input: att } = await attest(soft, 'packed-full', withChain(pki.packedLeaf, pki.intermediate));
    // The intermediate is itself an anchor in the bundle and comes first in the walk from the leaf.
    expect(service.evaluate(att)).toMatchObject({ trusted: true, source: 'anchor', anchor: describeCertificate(node(pki.intermediate.pem)) });
  });

  it.each([
    { entry: 'packed:/etc/keygate/missing.pem', message: /TRUST_ANCHORS entry "packed:\/etc\/keygate\/missing.pem": cannot read \/etc\/keygate\/missing.pem: file not found/ },
    { entry: 'packed:/etc/keygate/empty.pem', message: /"packed:\/etc\/keygate\/empty.pem": the file holds no PEM certificate/ },
    { entry: 'tpm:/etc/keygate/bad.pem', message: /"tpm:\/etc\/keygate\/bad.pem": certificate #1 is not a readable X.509 certificate/ },
    { entry: 'apple:/etc/keygate/truncated.pem', message: /"apple:\/etc\/keygate\/truncated.pem": a PEM certificate block is not terminated/ },
    { entry: '/etc/keygate/root.pem', message: /"\/etc\/keygate\/root.pem": unknown format|must be format:path/ },
    { entry: 'packed:', message: /"packed:": must be format:path/ },
    { entry: 'webauthn:/etc/keygate/root.pem', message: /unknown format "webauthn"/ },
  ])('$entry → TypeError', ({ entry, message }) => {
    expect(() => loadTrustAnchors(['packed:/etc/keygate/root.pem', entry], readFile)).toThrow(TypeError);
    expect(() => loadTrustAnchors([entry], readFile)).toThrow(message);
  });
});

describe('what real authenticators send (found by the conformance corpus)', () => {
  it('a certificate with an empty subject (TPM AIK certificates) is judged, not an evaluation error', async () => {
    const { X509CertificateGenerator } = await import('@peculiar/x509');
    await import('reflect-metadata');
    const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const cert = await X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: '', notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
    const verdict = createTrustService({ anchors: new Map() }).evaluate({ fmt: 'tpm', attStmt: new Map([['x5c', [new Uint8Array(cert.rawData)]]]), aaguid: ZERO_AAGUID, now: new Date() });
    expect(verdict.trusted).toBe(false);
    expect(verdict.reason).toBe('no configured anchor for tpm');
  });

  it('android-safetynet is never trusted, with that reason', () => {
    const verdict = createTrustService({ anchors: new Map() }).evaluate({ fmt: 'android-safetynet', attStmt: new Map<string, unknown>([['ver', '1'], ['response', new Uint8Array(8)]]), aaguid: ZERO_AAGUID, now: new Date() });
    expect(verdict).toMatchObject({ trusted: false, reason: expect.stringContaining('android-safetynet') });
  });
});

describe('built-in anchors', () => {
  it('are the library\'s apple and android-key roots, merged before TRUST_ANCHORS without duplicates', async () => {
    const { builtInAnchors, mergeAnchors } = await import('../../server/src/attestation/built-in-anchors.js');
    const builtIn = builtInAnchors();
    expect([...builtIn.keys()]).toEqual(['apple', 'android-key']);
    expect(builtIn.get('apple')!.map((c) => c.subject)).toEqual([expect.stringContaining('Apple WebAuthn Root CA')]);
    expect(builtIn.get('android-key')!.length).toBeGreaterThanOrEqual(2);
    const apple = builtIn.get('apple')![0]!;
    const merged = mergeAnchors(builtIn, new Map([['apple', [apple]], ['packed', [apple]]]));
    expect(merged.get('apple')).toHaveLength(1);
    expect(merged.get('packed')).toEqual([apple]);
  });
});
