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
 *  4. every chain certificate that names CRL distribution points (http/https URIs) is checked
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
// tsyringe (used inside @peculiar/x509) needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate, webcrypto } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import {
  CRLDistributionPointsExtension,
  PemConverter,
  X509Certificate as PeculiarCertificate,
  X509Crl,
} from '@peculiar/x509';
import { z } from 'zod';
import type { MetadataEntry } from '../storage/ports.js';

/** The largest BLOB accepted (the production BLOB is a few MB). */
export const MAX_BLOB_CHARS = 20 * 1024 * 1024;
/** The largest CRL the default fetcher reads. */
export const MAX_CRL_BYTES = 20 * 1024 * 1024;
/** How long the default CRL fetcher waits for one distribution point. */
export const CRL_FETCH_TIMEOUT_MS = 5_000;
/** At most this many certificates in x5c. */
const MAX_CHAIN = 8;
/** JWS algorithms a BLOB may be signed with (never `none`, never HMAC). */
const BLOB_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

// @peculiar/x509 takes a WebCrypto `Crypto`; node's webcrypto implements it.
const wc = webcrypto as unknown as Crypto;

/** Why a BLOB was refused; the message names the failed step (it ends up in the admin API's MDS status). */
export class MetadataBlobError extends Error {
  override readonly name = 'MetadataBlobError';
}

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
      throw new MetadataBlobError(`certificate not valid at ${opts.now.toISOString()}: ${oneLine(cert.subject)} (valid ${cert.validFrom} to ${cert.validTo})`);
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
    if (!next.ca) throw new MetadataBlobError(`chain does not reach MDS_ROOT_CERT: x5c[${i + 1}] (${oneLine(next.subject)}) issued a certificate but is not a CA`);
    issuers.push(next);
  }
  throw new MetadataBlobError(`chain does not reach MDS_ROOT_CERT (${oneLine(root.subject)}): the x5c chain ends at ${oneLine(path[path.length - 1].issuer)}`);
}

function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function validAt(cert: X509Certificate, now: Date): boolean {
  const t = now.getTime();
  return new Date(cert.validFrom).getTime() <= t && t <= new Date(cert.validTo).getTime();
}

/** Step 4 (see the module comment). */
async function checkCrls(path: X509Certificate[], issuers: X509Certificate[], opts: VerifyMetadataBlobOptions): Promise<void> {
  const given = (opts.crls ?? []).map((der, i) => {
    try {
      return new X509Crl(copy(der));
    } catch (err) {
      throw new MetadataBlobError(`CRL ${i + 1} of the configured CRL files is not a CRL: ${message(err)}`);
    }
  });
  const fetchCrl = opts.fetchCrl ?? fetchCrlOverHttp;
  const fetched = new Map<string, Promise<Uint8Array>>();

  for (let i = 0; i < path.length; i++) {
    const cert = new PeculiarCertificate(path[i].raw);
    const urls = distributionPointUrls(cert);
    if (urls === undefined) continue;
    const issuer = new PeculiarCertificate(issuers[i].raw);
    const subject = oneLine(path[i].subject);

    // An offline CRL from this issuer, else the distribution points in order.
    let crl: X509Crl | undefined;
    let source = 'configured CRL file';
    for (const candidate of given) {
      if (candidate.issuer === issuer.subject && (await crlSignedBy(candidate, issuer))) {
        crl = candidate;
        break;
      }
    }
    if (crl === undefined) {
      const httpUrls = urls.filter((u) => /^https?:\/\//i.test(u));
      if (httpUrls.length === 0) throw new MetadataBlobError(`CRL unavailable: ${urls.join(', ') || '(no URI)'} (no http distribution point) for ${subject}`);
      const failures: string[] = [];
      for (const url of httpUrls) {
        let bytes: Uint8Array;
        try {
          if (!fetched.has(url)) fetched.set(url, fetchCrl(url));
          bytes = await fetched.get(url)!;
        } catch (err) {
          failures.push(`${url}: ${message(err)}`);
          continue;
        }
        let candidate: X509Crl;
        try {
          candidate = new X509Crl(copy(bytes));
        } catch (err) {
          throw new MetadataBlobError(`CRL ${url}: not a CRL: ${message(err)}`);
        }
        if (!(await crlSignedBy(candidate, issuer))) {
          throw new MetadataBlobError(`CRL ${url}: signature does not verify with the issuer ${oneLine(issuers[i].subject)}`);
        }
        crl = candidate;
        source = url;
        break;
      }
      if (crl === undefined) throw new MetadataBlobError(`CRL unavailable: ${failures.join('; ')}`);
    }

    const now = opts.now.getTime();
    if (crl.thisUpdate.getTime() > now) throw new MetadataBlobError(`CRL ${source}: not yet valid (thisUpdate ${crl.thisUpdate.toISOString()})`);
    if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() <= now) {
      throw new MetadataBlobError(`CRL ${source}: stale (nextUpdate ${crl.nextUpdate.toISOString()} has passed)`);
    }
    const revoked = crl.findRevoked(cert);
    if (revoked !== null) {
      throw new MetadataBlobError(`certificate revoked by CRL ${source}: ${subject} (serial ${path[i].serialNumber}, revoked ${revoked.revocationDate.toISOString()})`);
    }
  }
}

/** The distribution point URIs `cert` names, or `undefined` when it has no CRL Distribution Points extension. */
function distributionPointUrls(cert: PeculiarCertificate): string[] | undefined {
  const ext = cert.getExtension(CRLDistributionPointsExtension);
  if (ext === null) return undefined;
  const urls: string[] = [];
  for (const dp of ext.distributionPoints) {
    for (const name of dp.distributionPoint?.fullName ?? []) {
      if (name.uniformResourceIdentifier) urls.push(name.uniformResourceIdentifier);
    }
  }
  return urls;
}

/**
 * Whether `crl` verifies with `issuer`'s key. The issuer's PublicKey (not the certificate) is
 * passed on purpose: given a certificate, @peculiar/x509 takes the hash from the certificate's
 * OWN signature algorithm instead of the CRL's.
 */
async function crlSignedBy(crl: X509Crl, issuer: PeculiarCertificate): Promise<boolean> {
  try {
    return await crl.verify({ publicKey: issuer.publicKey }, wc);
  } catch {
    return false;
  }
}

/** GETs one CRL (DER or PEM) with a CRL_FETCH_TIMEOUT_MS timeout; throws on a non-2xx status or a body over MAX_CRL_BYTES. */
export async function fetchCrlOverHttp(url: string, fetchImpl: typeof fetch = fetch): Promise<Uint8Array> {
  return fetchBytes(url, fetchImpl, CRL_FETCH_TIMEOUT_MS, MAX_CRL_BYTES);
}

/** GETs `url` within `timeoutMs`, refusing a non-2xx status or a body over `maxBytes`. */
export async function fetchBytes(url: string, fetchImpl: typeof fetch, timeoutMs: number, maxBytes: number): Promise<Uint8Array> {
  const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`response too large (${declared} bytes, at most ${maxBytes})`);
  }
  if (!res.body) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response too large (over ${maxBytes} bytes)`);
    }
    parts.push(value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * The DER CRLs in one file's bytes: the file itself when it is DER, or every `X509 CRL` block
 * when it is PEM. Throws (a plain Error) when the bytes hold no parseable CRL.
 */
export function crlsFromFile(bytes: Uint8Array): Uint8Array[] {
  const text = Buffer.from(bytes).toString('latin1');
  const ders = PemConverter.isPem(text) ? PemConverter.decode(text).map((b) => new Uint8Array(b)) : [bytes];
  if (ders.length === 0) throw new Error('no CRL in the file');
  for (const der of ders) new X509Crl(copy(der)); // throws when not a CRL
  return ders;
}

/** An ArrayBuffer-backed copy (what @peculiar/x509's types accept). */
function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
