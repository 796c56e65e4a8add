/**
 * Step 4 of MDS3 BLOB verification (mds-blob.ts): the CRLs of the BLOB's signing chain, from
 * MDS_CRL_FILES or fetched from the distribution points the certificates name, verified with
 * the issuer's key and current; fail closed. Parsing by @peculiar/x509 only.
 */
// tsyringe (used inside @peculiar/x509) needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate, webcrypto } from 'node:crypto';
import { CRLDistributionPointsExtension, PemConverter, X509Certificate as PeculiarCertificate, X509Crl } from '@peculiar/x509';
import { oneLineName } from './certificate-path.js';
import { MetadataBlobError } from './mds-blob-error.js';

/** The largest CRL the default fetcher reads. */
export const MAX_CRL_BYTES = 20 * 1024 * 1024;
/** How long the default CRL fetcher waits for one distribution point. */
export const CRL_FETCH_TIMEOUT_MS = 5_000;

// @peculiar/x509 takes a WebCrypto `Crypto`; node's webcrypto implements it.
const wc = webcrypto as unknown as Crypto;

export interface CrlOptions {
  now: Date;
  /** DER CRLs given offline (MDS_CRL_FILES). */
  crls?: Uint8Array[];
  /** Fetches a distribution point (default: fetchCrlOverHttp). */
  fetchCrl?: (url: string) => Promise<Uint8Array>;
}

/** Step 4 (see the module comment). */
export async function checkCrls(path: X509Certificate[], issuers: X509Certificate[], opts: CrlOptions): Promise<void> {
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
    const subject = oneLineName(path[i].subject);

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
          throw new MetadataBlobError(`CRL ${url}: signature does not verify with the issuer ${oneLineName(issuers[i].subject)}`);
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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
