/**
 * A test FIDO Metadata Service v3: its own PKI, BLOB signing, CRLs, and a loopback HTTP server
 * that serves the CRLs (and, when asked, the BLOB) so the real fetch paths run.
 *
 *   const mds = await createTestMds();
 *   const jwt = await mds.blob({ no: 7, entries: testEntries([caRootBase64]) });
 *   await verifyMetadataBlob(jwt, { root: mds.rootCert, now: new Date() });   // fetches the CRLs
 *   mds.serveBlob(jwt);  // then MDS_URL = mds.blobUrl
 *   ...
 *   await mds.close();
 *
 * PKI (all ECDSA P-256 / SHA-256 unless the signer is RS256):
 *   root "Keygate Test MDS Root" (self-signed CA; what MDS_ROOT_CERT names: `rootPem`)
 *     └ intermediate "Keygate Test MDS CA" (CA; CRL distribution point `crlUrls.root`)
 *         └ signer "Keygate Test MDS Signer" (the BLOB's x5c[0]; CRL distribution point `crlUrls.intermediate`)
 * `crlUrls.root` serves a CRL signed by the root (it lists revoked intermediates),
 * `crlUrls.intermediate` one signed by the intermediate (revoked signers). Both start empty
 * and current (thisUpdate now - 1 h, nextUpdate now + 7 d); replace them with `serve`.
 * Certificates are valid from now - 1 day to now + 10 years.
 *
 * Keys come from WebCrypto (node's webcrypto); certificates and CRLs from @peculiar/x509; the
 * JWS from jose `CompactSign`. Nothing here is hand-rolled DER.
 */
// tsyringe (used inside @peculiar/x509) needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  CRLDistributionPointsExtension,
  type Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
  X509CrlGenerator,
} from '@peculiar/x509';
import { CompactSign } from 'jose';

const wc = webcrypto as unknown as Crypto;
const DAY_MS = 24 * 60 * 60 * 1000;
const EC_P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const RSA_2048: RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

/** AAGUIDs of `testEntries`: `allowed` (FIDO_CERTIFIED_L1), `revoked` (REVOKED in effect), `unlisted` (in no entry). */
export const TEST_MDS_AAGUIDS = {
  allowed: '0bb1e1a0-5c3e-4e1a-9b7e-1a2b3c4d5e6f',
  revoked: 'dead0000-5c3e-4e1a-9b7e-1a2b3c4d5e6f',
  unlisted: '12345678-90ab-4cde-8f01-23456789abcd',
} as const;

/** One certificate a BLOB can be signed with (x5c[0]). */
export interface TestMdsSigner {
  certDer: Uint8Array;
  /** Hex serial number (what `makeCrl({ revoke })` takes). */
  serialNumber: string;
  privateKey: CryptoKey;
  alg: 'ES256' | 'RS256';
}

export interface IssueSignerOptions {
  alg?: 'ES256' | 'RS256';
  notBefore?: Date;
  notAfter?: Date;
  /** Name the intermediate's CRL distribution point (default true). */
  crlDistributionPoint?: boolean;
}

export interface MakeCrlOptions {
  /** Who signs (and is the issuer of) the CRL. */
  issuer: 'root' | 'intermediate';
  /** Hex serial numbers to list as revoked (e.g. `mds.intermediateSerial`, `mds.signer.serialNumber`). */
  revoke?: string[];
  thisUpdate?: Date;
  nextUpdate?: Date;
  /** Sign with a fresh key instead of the issuer's (same issuer name): a CRL with a bad signature. */
  wrongKey?: boolean;
}

export interface BlobContent {
  no: number;
  /** Default: 30 days after now (YYYY-MM-DD). */
  nextUpdate?: string;
  /** MDS3 entries as the FIDO BLOB spells them (see `mdsEntry`); default `testEntries([])`. */
  entries?: unknown[];
  legalHeader?: string;
}

export interface SignOptions {
  /** Default: the standard signer. */
  signer?: TestMdsSigner;
  /** Default: [signer, intermediate]. */
  x5c?: Uint8Array[];
}

export type ServedPath = 'root.crl' | 'intermediate.crl' | 'blob';

export interface TestMds {
  /** The root, PEM: what MDS_ROOT_CERT names. */
  rootPem: string;
  rootDer: Uint8Array;
  /** The root as node:crypto parses it (what `verifyMetadataBlob` / `createMetadataService` take). */
  rootCert: NodeX509Certificate;
  intermediateDer: Uint8Array;
  /** Hex serial of the intermediate (revoke it with `makeCrl({ issuer: 'root', revoke: [...] })`). */
  intermediateSerial: string;
  /** The standard BLOB signer (ES256). */
  signer: TestMdsSigner;
  /** http://127.0.0.1:<port> of the loopback server. */
  baseUrl: string;
  crlUrls: { root: string; intermediate: string };
  /** Where `serveBlob` puts the BLOB (404 until then): an MDS_URL. */
  blobUrl: string;
  /** A JWS compact of `payload` (JSON) with header { alg, typ: 'JWT', x5c }. */
  sign(payload: unknown, opts?: SignOptions): Promise<string>;
  /** A signed BLOB `{ legalHeader, no, nextUpdate, entries }`. */
  blob(content: BlobContent, opts?: SignOptions): Promise<string>;
  /** Another signer under the intermediate (expired, RS256, without CRL distribution point...). */
  issueSigner(opts?: IssueSignerOptions): Promise<TestMdsSigner>;
  /** A DER CRL (default: current, nothing revoked). */
  makeCrl(opts: MakeCrlOptions): Promise<Uint8Array>;
  /** What the server answers at `path` from now on: the bytes/text, or `null` for 404. */
  serve(path: ServedPath, body: Uint8Array | string | null): void;
  serveBlob(jwt: string | null): void;
  /** How many GETs `path` received. */
  requests(path: ServedPath): number;
  /** The CRLs currently served (DER), for offline use (`crls` / MDS_CRL_FILES). */
  servedCrls(): Uint8Array[];
  close(): Promise<void>;
}

function randomSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01;
  return serial.toString('hex');
}

/** `date` as YYYY-MM-DD (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * One MDS3 entry as the FIDO BLOB spells it, with the members keygate drops (icon, upv,
 * authenticatorGetInfo, ...) present so reduction is exercised.
 */
export function mdsEntry(opts: {
  aaguid?: string;
  description?: string;
  /** statusReports, latest last; default one FIDO_CERTIFIED_L1 in effect. */
  statusReports?: { status: string; effectiveDate?: string }[];
  attestationRootCertificates?: string[];
  attestationCertificateKeyIdentifiers?: string[];
}): Record<string, unknown> {
  return {
    ...(opts.aaguid !== undefined ? { aaguid: opts.aaguid } : {}),
    ...(opts.attestationCertificateKeyIdentifiers ? { attestationCertificateKeyIdentifiers: opts.attestationCertificateKeyIdentifiers } : {}),
    metadataStatement: {
      legalHeader: 'https://fidoalliance.org/metadata/metadata-statement-legal-header/',
      ...(opts.aaguid !== undefined ? { aaguid: opts.aaguid } : {}),
      description: opts.description ?? 'Keygate Test Authenticator',
      authenticatorVersion: 5,
      protocolFamily: 'fido2',
      schema: 3,
      upv: [{ major: 1, minor: 0 }],
      authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
      publicKeyAlgAndEncodings: ['cose'],
      attestationTypes: ['basic_full'],
      userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
      keyProtection: ['hardware', 'secure_element'],
      matcherProtection: ['on_chip'],
      attachmentHint: ['external', 'wired'],
      tcDisplay: [],
      attestationRootCertificates: opts.attestationRootCertificates ?? [],
      icon: 'data:image/png;base64,iVBORw0KGgo=',
      authenticatorGetInfo: { versions: ['FIDO_2_0'], aaguid: (opts.aaguid ?? '').replace(/-/g, '') },
    },
    statusReports: (opts.statusReports ?? [{ status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' }]).map((r) => ({
      ...r,
      certificationDescriptor: opts.description ?? 'Keygate Test Authenticator',
      certificateNumber: 'FIDO20020200101001',
    })),
    timeOfLastStatusChange: '2020-01-01',
  };
}

/**
 * Entries for TEST_MDS_AAGUIDS: `allowed` (FIDO_CERTIFIED_L1) and `revoked` (certified, then
 * REVOKED since 2021-06-01), both with `attestationRootCertificates` (base64 DER, e.g. a
 * test-ca root: `Buffer.from(ca.rootDer).toString('base64')`), plus a U2F entry with only
 * attestationCertificateKeyIdentifiers (no AAGUID: verification drops it). `unlisted` is in none.
 */
export function testEntries(attestationRootCertificates: string[]): Record<string, unknown>[] {
  return [
    mdsEntry({ aaguid: TEST_MDS_AAGUIDS.allowed, description: 'Keygate Allowed Key', attestationRootCertificates }),
    mdsEntry({
      aaguid: TEST_MDS_AAGUIDS.revoked,
      description: 'Keygate Revoked Key',
      attestationRootCertificates,
      statusReports: [
        { status: 'FIDO_CERTIFIED_L1', effectiveDate: '2020-01-01' },
        { status: 'REVOKED', effectiveDate: '2021-06-01' },
      ],
    }),
    mdsEntry({ attestationCertificateKeyIdentifiers: ['923881fe2f214ee465484371aeb72e97f5a58e0a'], description: 'Keygate U2F Key' }),
  ];
}

export async function createTestMds(opts: { now?: Date } = {}): Promise<TestMds> {
  const now = opts.now ?? new Date();

  // The server first: the certificates name its URLs.
  const bodies = new Map<ServedPath, Uint8Array | string | null>();
  const hits = new Map<ServedPath, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\//, '').split('?')[0] as ServedPath;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = bodies.get(path);
    if (req.method !== 'GET' || body === undefined || body === null) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': path === 'blob' ? 'application/jwt' : 'application/pkix-crl' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const crlUrls = { root: `${baseUrl}/root.crl`, intermediate: `${baseUrl}/intermediate.crl` };

  const rootKeys = (await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const root = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialHex(),
      name: 'C=US, O=Keygate Test, OU=Test MDS, CN=Keygate Test MDS Root',
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 3652 * DAY_MS),
      keys: rootKeys,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(rootKeys.publicKey, false, wc),
      ],
    },
    wc,
  );

  const intKeys = (await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
  const intermediate = await X509CertificateGenerator.create(
    {
      serialNumber: randomSerialHex(),
      subject: 'C=US, O=Keygate Test, OU=Test MDS, CN=Keygate Test MDS CA',
      issuer: root.subject,
      notBefore: new Date(now.getTime() - DAY_MS),
      notAfter: new Date(now.getTime() + 3652 * DAY_MS),
      publicKey: intKeys.publicKey,
      signingKey: rootKeys.privateKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(intKeys.publicKey, false, wc),
        await AuthorityKeyIdentifierExtension.create(rootKeys.publicKey, false, wc),
        new CRLDistributionPointsExtension([crlUrls.root]),
      ],
    },
    wc,
  );

  async function issueSigner(o: IssueSignerOptions = {}): Promise<TestMdsSigner> {
    const alg = o.alg ?? 'ES256';
    const keys = (await wc.subtle.generateKey(alg === 'ES256' ? EC_P256 : RSA_2048, true, ['sign', 'verify'])) as CryptoKeyPair;
    const extensions: Extension[] = [
      new BasicConstraintsExtension(false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      await SubjectKeyIdentifierExtension.create(keys.publicKey, false, wc),
      await AuthorityKeyIdentifierExtension.create(intKeys.publicKey, false, wc),
    ];
    if (o.crlDistributionPoint ?? true) extensions.push(new CRLDistributionPointsExtension([crlUrls.intermediate]));
    const cert = await X509CertificateGenerator.create(
      {
        serialNumber: randomSerialHex(),
        subject: 'C=US, O=Keygate Test, OU=Test MDS, CN=Keygate Test MDS Signer',
        issuer: intermediate.subject,
        notBefore: o.notBefore ?? new Date(now.getTime() - DAY_MS),
        notAfter: o.notAfter ?? new Date(now.getTime() + 3652 * DAY_MS),
        publicKey: keys.publicKey,
        signingKey: intKeys.privateKey,
        signingAlgorithm: ECDSA_SHA256,
        extensions,
      },
      wc,
    );
    return { certDer: new Uint8Array(cert.rawData), serialNumber: cert.serialNumber, privateKey: keys.privateKey, alg };
  }

  async function makeCrl(o: MakeCrlOptions): Promise<Uint8Array> {
    const issuerCert: X509Certificate = o.issuer === 'root' ? root : intermediate;
    let signingKey = o.issuer === 'root' ? rootKeys.privateKey : intKeys.privateKey;
    if (o.wrongKey) signingKey = ((await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair).privateKey;
    const crl = await X509CrlGenerator.create(
      {
        issuer: issuerCert.subjectName,
        thisUpdate: o.thisUpdate ?? new Date(now.getTime() - 60 * 60 * 1000),
        nextUpdate: o.nextUpdate ?? new Date(now.getTime() + 7 * DAY_MS),
        signingAlgorithm: ECDSA_SHA256,
        signingKey,
        entries: (o.revoke ?? []).map((serialNumber) => ({ serialNumber, revocationDate: new Date(now.getTime() - DAY_MS) })),
      },
      wc,
    );
    return new Uint8Array(crl.rawData);
  }

  const signer = await issueSigner();
  const intermediateDer = new Uint8Array(intermediate.rawData);

  async function sign(payload: unknown, o: SignOptions = {}): Promise<string> {
    const s = o.signer ?? signer;
    const x5c = (o.x5c ?? [s.certDer, intermediateDer]).map((der) => Buffer.from(der).toString('base64'));
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: s.alg, typ: 'JWT', x5c })
      .sign(s.privateKey);
  }

  bodies.set('root.crl', await makeCrl({ issuer: 'root' }));
  bodies.set('intermediate.crl', await makeCrl({ issuer: 'intermediate' }));

  return {
    rootPem: root.toString('pem'),
    rootDer: new Uint8Array(root.rawData),
    rootCert: new NodeX509Certificate(Buffer.from(root.rawData)),
    intermediateDer,
    intermediateSerial: intermediate.serialNumber,
    signer,
    baseUrl,
    crlUrls,
    blobUrl: `${baseUrl}/blob`,
    sign,
    blob: (c, o) =>
      sign(
        {
          legalHeader: c.legalHeader ?? 'Retrieval and use of this BLOB indicates acceptance of the appropriate agreement located at https://fidoalliance.org/metadata/metadata-legal-terms/',
          no: c.no,
          nextUpdate: c.nextUpdate ?? isoDay(new Date(now.getTime() + 30 * DAY_MS)),
          entries: c.entries ?? testEntries([]),
        },
        o,
      ),
    issueSigner,
    makeCrl,
    serve: (path, body) => void bodies.set(path, body),
    serveBlob: (jwt) => void bodies.set('blob', jwt),
    requests: (path) => hits.get(path) ?? 0,
    servedCrls: () =>
      (['root.crl', 'intermediate.crl'] as const)
        .map((p) => bodies.get(p))
        .filter((b): b is Uint8Array => b instanceof Uint8Array),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
