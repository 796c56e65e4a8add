/**
 * Reads the TRUST_ANCHORS files (config key `trustAnchors`, already split into `format:path`
 * entries) once at start. Each file holds one or more PEM certificates; any readable
 * certificate is accepted as an anchor (trust is configuration: a CA root, an intermediate, or a
 * vendor's batch certificate itself). A problem stops the start: `TypeError` naming the entry.
 */
import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';

/** The attestation formats whose statements carry x5c that can chain to an anchor. */
export const ANCHOR_FORMATS: ReadonlySet<string> = new Set(['packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'apple']);

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

export type ReadTextFile = (path: string, encoding: 'utf8') => string;

/**
 * Anchors by format, in entry order, without duplicates (same certificate twice for a format).
 * Throws `TypeError` for an entry that is not `format:path` with a known format, a file that
 * cannot be read, holds no PEM certificate, has an unterminated PEM block, or a certificate
 * that does not parse.
 */
export function loadTrustAnchors(entries: readonly string[], readFile: ReadTextFile = fs.readFileSync): Map<string, X509Certificate[]> {
  const anchors = new Map<string, X509Certificate[]>();
  for (const entry of entries) {
    const { format, path } = splitEntry(entry);
    const text = readText(entry, path, readFile);
    const certs = parsePemFile(entry, text);
    const list = anchors.get(format) ?? [];
    for (const cert of certs) {
      if (!list.some((known) => known.raw.equals(cert.raw))) list.push(cert);
    }
    anchors.set(format, list);
  }
  return anchors;
}

function splitEntry(entry: string): { format: string; path: string } {
  const colon = entry.indexOf(':');
  const format = colon > 0 ? entry.slice(0, colon).trim() : '';
  const path = colon > 0 ? entry.slice(colon + 1).trim() : '';
  if (!format || !path) throw new TypeError(`TRUST_ANCHORS entry "${entry}": must be format:path`);
  if (!ANCHOR_FORMATS.has(format)) throw new TypeError(`TRUST_ANCHORS entry "${entry}": unknown format "${format}" (one of ${[...ANCHOR_FORMATS].join(', ')})`);
  return { format, path };
}

function readText(entry: string, path: string, readFile: ReadTextFile): string {
  try {
    return readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new TypeError(`TRUST_ANCHORS entry "${entry}": cannot read ${path}: ${why}`);
  }
}

function parsePemFile(entry: string, text: string): X509Certificate[] {
  const blocks = [...text.matchAll(PEM_BLOCK)].map((m) => m[0]);
  const begins = (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  if (blocks.length === 0) throw new TypeError(`TRUST_ANCHORS entry "${entry}": the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  if (begins !== blocks.length) throw new TypeError(`TRUST_ANCHORS entry "${entry}": a PEM certificate block is not terminated (-----END CERTIFICATE-----)`);
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (err) {
      throw new TypeError(`TRUST_ANCHORS entry "${entry}": certificate #${i + 1} is not a readable X.509 certificate: ${(err as Error).message}`);
    }
  });
}
