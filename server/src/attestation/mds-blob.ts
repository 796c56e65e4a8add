/**
 * Verification of a FIDO Metadata Service v3 BLOB (FIDO MDS 3.0 §3.2 "Metadata BLOB object
 * processing rules"): a JWS compact serialization whose header carries the signing chain
 * (`x5c`, base64 DER, leaf first) and whose payload lists the authenticators' metadata.
 *
 * `verifyMetadataBlob` accepts a BLOB only when, in this order:
 *  1. it is at most MAX_BLOB_CHARS long and a JWS compact serialization with an `x5c` header;
 *  2. every x5c certificate is valid at `now`, each is issued and signed by the next (which is
 *     a CA), and the last one is the configured root or is issued and signed by it (the root
 *     must be valid at `now` too);
 *  3. the JWS signature verifies with the leaf's public key (jose `compactVerify`; asymmetric
 *     algorithms only);
 *  4. (mds-crl.ts) every chain certificate that names CRL distribution points (http/https URIs) is checked
 *     against its issuer's CRL: one of `opts.crls` (offline, MDS_CRL_FILES) signed by that
 *     issuer, otherwise the first distribution point whose CRL `fetchCrl` returns. The CRL must
 *     verify with the issuer's key and be current (thisUpdate <= now < nextUpdate). A listed
 *     serial, a CRL that cannot be had, or a bad/stale CRL refuses the BLOB (fail closed);
 *  5. the payload is JSON matching the MDS3 shape the server uses (zod).
 * A refusal is a `MetadataBlobError` whose message says which step failed. The caller (the
 * metadata service) decides whether its `no` is new enough.
 *
 * Parsing is done by libraries only: jose (JWS), node:crypto X509Certificate (certificates,
 * chain signatures), @peculiar/x509 (CRL and CRL distribution points).
 */
import { X509Certificate } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import type { MetadataEntry } from '../storage/ports.js';
import { issuedBy, oneLineName, validAt } from './certificate-path.js';
import { MetadataBlobError } from './mds-blob-error.js';
import { checkCrls } from './mds-crl.js';

export { MetadataBlobError } from './mds-blob-error.js';
export { CRL_FETCH_TIMEOUT_MS, MAX_CRL_BYTES, crlsFromFile, fetchBytes, fetchCrlOverHttp } from './mds-crl.js';

/** The largest BLOB accepted (the production BLOB is a few MB). */
export const MAX_BLOB_CHARS = 20 * 1024 * 1024;
/** At most this many certificates in x5c. */
const MAX_CHAIN = 8;
/** JWS algorithms a BLOB may be signed with (never `none`, never HMAC). */
const BLOB_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];


export interface VerifyMetadataBlobOptions {
  /** The root the x5c chain must reach (MDS_ROOT_CERT). */
  root: X509Certificate;
  /** Certificates and CRLs are judged at this time. */
  now: Date;
  /** DER CRLs to use instead of fetching distribution points (MDS_CRL_FILES). */
  crls?: Uint8Array[];
  /** Fetches one CRL distribution point (DER or PEM bytes); throws when it cannot. Default: `fetchCrlOverHttp`. */
  fetchCrl?: (url: string) => Promise<Uint8Array>;
}

export interface VerifiedMetadataBlob {
  no: number;
  /** YYYY-MM-DD */
  nextUpdate: string;
  /** The entries that have an AAGUID, reduced to what keygate uses. */
  entries: MetadataEntry[];
}

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'must be a real date');
const strings = z.array(z.string());

/** The part of an MDS3 payload keygate reads; other members are allowed and dropped. */
const payloadSchema = z.object({
  legalHeader: z.string().optional(),
  no: z.number().int().positive(),
  nextUpdate: isoDate,
  entries: z.array(
    z.object({
      aaguid: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID').optional(),
      aaid: z.string().optional(),
      attestationCertificateKeyIdentifiers: strings.optional(),
      metadataStatement: z
        .object({
          description: z.string().optional(),
          attestationRootCertificates: strings.optional(),
          attestationTypes: strings.optional(),
          keyProtection: strings.optional(),
          attachmentHint: strings.optional(),
        })
        .optional(),
      statusReports: z.array(z.object({ status: z.string(), effectiveDate: isoDate.optional() })),
      timeOfLastStatusChange: z.string().optional(),
    }),
  ),
});

/**
 * Verifies `jwt` (steps above) and returns its number, nextUpdate and reduced entries: only
 * entries with an `aaguid` (lower-cased), keeping statusReports (status, effectiveDate),
 * attestationRootCertificates, attestationTypes, keyProtection, attachmentHint and
 * description ('' when absent). Throws `MetadataBlobError` on any refusal.
 */
export async function verifyMetadataBlob(jwt: string, opts: VerifyMetadataBlobOptions): Promise<VerifiedMetadataBlob> {
  if (typeof jwt !== 'string') throw new MetadataBlobError('not a JWS compact serialization: not a string');
  if (jwt.length > MAX_BLOB_CHARS) throw new MetadataBlobError(`BLOB too large: ${jwt.length} characters (at most ${MAX_BLOB_CHARS})`);
  const token = jwt.trim();

  // 1. The header and its x5c chain.
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    throw new MetadataBlobError(`not a JWS compact serialization: ${message(err)}`);
  }
  if (token.split('.').length !== 3) throw new MetadataBlobError('not a JWS compact serialization: expected three dot-separated parts');
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string')) {
    throw new MetadataBlobError('header: x5c must be a non-empty array of base64 certificates');
  }
  if (x5c.length > MAX_CHAIN) throw new MetadataBlobError(`header: x5c has ${x5c.length} certificates (at most ${MAX_CHAIN})`);
  const chain = x5c.map((b64, i) => {
    try {
      return new X509Certificate(Buffer.from(b64, 'base64'));
    } catch (err) {
      throw new MetadataBlobError(`header: x5c[${i}] is not a certificate: ${message(err)}`);
    }
  });

  // 2. Chain to the configured root; `issuers[i]` is the certificate that issued `path[i]`.
  const { path, issuers } = buildPath(chain, opts.root);
  for (const cert of [...path, opts.root]) {
    if (!validAt(cert, opts.now)) {
      throw new MetadataBlobError(`certificate not valid at ${opts.now.toISOString()}: ${oneLineName(cert.subject)} (valid ${cert.validFrom} to ${cert.validTo})`);
    }
  }

  // 3. The JWS signature, with the leaf's key.
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(token, chain[0].publicKey, { algorithms: BLOB_ALGORITHMS }));
  } catch (err) {
    throw new MetadataBlobError(`signature: ${message(err)}`);
  }

  // 4. CRLs of every chain certificate that names distribution points.
  await checkCrls(path, issuers, opts);

  // 5. The payload.
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch (err) {
    throw new MetadataBlobError(`payload: not JSON: ${message(err)}`);
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MetadataBlobError(`payload: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const entries: MetadataEntry[] = [];
  for (const e of parsed.data.entries) {
    if (e.aaguid === undefined) continue;
    const ms = e.metadataStatement;
    const entry: MetadataEntry = {
      aaguid: e.aaguid.toLowerCase(),
      description: ms?.description ?? '',
      statusReports: e.statusReports.map((r) => (r.effectiveDate === undefined ? { status: r.status } : { status: r.status, effectiveDate: r.effectiveDate })),
      attestationRootCertificates: ms?.attestationRootCertificates ?? [],
    };
    if (ms?.attestationTypes) entry.attestationTypes = ms.attestationTypes;
    if (ms?.keyProtection) entry.keyProtection = ms.keyProtection;
    if (ms?.attachmentHint) entry.attachmentHint = ms.attachmentHint;
    entries.push(entry);
  }
  return { no: parsed.data.no, nextUpdate: parsed.data.nextUpdate, entries };
}

/**
 * The x5c certificates up to (not including) the root, and each one's issuer. Throws
 * "chain does not reach MDS_ROOT_CERT" when some certificate is not issued and signed by the
 * next one (a CA) and the last is neither the root nor issued and signed by it.
 */
function buildPath(chain: X509Certificate[], root: X509Certificate): { path: X509Certificate[]; issuers: X509Certificate[] } {
  const path: X509Certificate[] = [];
  const issuers: X509Certificate[] = [];
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i];
    if (cert.fingerprint256 === root.fingerprint256) {
      if (i === 0) throw new MetadataBlobError('chain does not reach MDS_ROOT_CERT: the BLOB is signed by the root itself, not by a signing certificate');
      return { path, issuers };
    }
    path.push(cert);
    if (issuedBy(cert, root)) {
      issuers.push(root);
      return { path, issuers };
    }
    const next = chain[i + 1];
    if (next === undefined || !issuedBy(cert, next)) break;
    if (!next.ca) throw new MetadataBlobError(`chain does not reach MDS_ROOT_CERT: x5c[${i + 1}] (${oneLineName(next.subject)}) issued a certificate but is not a CA`);
    issuers.push(next);
  }
  throw new MetadataBlobError(`chain does not reach MDS_ROOT_CERT (${oneLineName(root.subject)}): the x5c chain ends at ${oneLineName(path[path.length - 1].issuer)}`);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
