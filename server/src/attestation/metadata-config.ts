import { X509Certificate } from 'node:crypto';
import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import type { Config } from '../config/config-schema.js';
import { crlsFromFile } from './mds-crl.js';
import type { MetadataConfigOptions, MetadataSource } from './metadata-service.js';

/**
 * The configuration part of `createMetadataService`'s options, with MDS_ROOT_CERT and
 * MDS_CRL_FILES read and parsed now (at start). Throws TypeError naming the key when: MDS_URL
 * and MDS_FILE are both set; either is set without MDS_ROOT_CERT; MDS_ROOT_CERT is not exactly
 * one PEM CA certificate; MDS_FILE is not readable; an MDS_CRL_FILES file holds no DER or PEM CRL.
 */
export function loadMetadataConfig(config: Pick<Config, 'mdsUrl' | 'mdsFile' | 'mdsRootCert' | 'mdsCrlFiles' | 'mdsPollSeconds'>): MetadataConfigOptions {
  if (config.mdsUrl !== undefined && config.mdsFile !== undefined) {
    throw new TypeError('MDS_URL and MDS_FILE are both set: set one (MDS_URL fetches the BLOB, MDS_FILE reads it from a file)');
  }
  const source: MetadataSource | undefined =
    config.mdsUrl !== undefined ? { kind: 'url', url: config.mdsUrl } : config.mdsFile !== undefined ? { kind: 'file', path: config.mdsFile } : undefined;
  if (source !== undefined && config.mdsRootCert === undefined) {
    throw new TypeError(`MDS_ROOT_CERT must be set with ${source.kind === 'url' ? 'MDS_URL' : 'MDS_FILE'}: the BLOB's signature is verified up to it`);
  }
  if (source?.kind === 'file') {
    try {
      accessSync(source.path, fsConstants.R_OK);
    } catch (err) {
      throw new TypeError(`MDS_FILE (${source.path}): not readable: ${message(err)}`);
    }
  }

  let root: X509Certificate | undefined;
  if (config.mdsRootCert !== undefined) {
    const path = config.mdsRootCert;
    let pem: string;
    try {
      pem = readFileSync(path).toString('utf8');
    } catch (err) {
      throw new TypeError(`MDS_ROOT_CERT (${path}): cannot be read: ${message(err)}`);
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length !== 1) throw new TypeError(`MDS_ROOT_CERT (${path}): must hold exactly one PEM certificate, found ${blocks.length}`);
    try {
      root = new X509Certificate(blocks[0]);
    } catch (err) {
      throw new TypeError(`MDS_ROOT_CERT (${path}): not a certificate: ${message(err)}`);
    }
    if (!root.ca) throw new TypeError(`MDS_ROOT_CERT (${path}): not a CA certificate`);
  }

  const crlFiles: Uint8Array[] = [];
  for (const path of config.mdsCrlFiles) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new TypeError(`MDS_CRL_FILES (${path}): cannot be read: ${message(err)}`);
    }
    try {
      crlFiles.push(...crlsFromFile(new Uint8Array(bytes)));
    } catch (err) {
      throw new TypeError(`MDS_CRL_FILES (${path}): not a DER or PEM CRL: ${message(err)}`);
    }
  }

  return { ...(source ? { source } : {}), ...(root ? { root } : {}), crlFiles, pollSeconds: config.mdsPollSeconds };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
