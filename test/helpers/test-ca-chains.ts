/**
 * Multi-level test PKI (root → intermediate(s) → attestation leaf) and self-signed attestation
 * certificates, for attestation trust tests. Complements ./test-ca.ts (one root, leaves signed
 * directly by it), which it does not change. Built on @peculiar/x509 with node's WebCrypto;
 * leaves are `AttestationCert`s, so they plug into SoftAuthenticator's `overrides.attestationCert`
 * (put the intermediates into x5c with `overrides.attStmt`).
 *
 * Default validity: notBefore = now - 1 day, notAfter = now + 10 years (real clock unless `now`).
 */
import 'reflect-metadata';
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  Extension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { ID_FIDO_GEN_CE_AAGUID, aaguidToBytes, type AttestationCert } from './test-ca.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const TEN_YEARS_MS = 3652 * DAY_MS;
const EC_P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const wc = webcrypto as unknown as Crypto;

export interface Validity {
  /** Reference time for the default validity (default: real now). */
  now?: Date;
  notBefore?: Date;
  notAfter?: Date;
}

/** A certificate authority of the chain: its certificate and keys. */
export interface ChainAuthority {
  cert: X509Certificate;
  der: Uint8Array;
  pem: string;
  keys: CryptoKeyPair;
}

export interface AuthorityOptions extends Validity {
  subject?: string;
  /** basicConstraints cA (default true; false builds an intermediate that may not issue). */
  isCA?: boolean;
  /** subjectKeyIdentifier (hex) instead of the key's own: forge another authority's identity. */
  keyIdentifier?: string;
}

/** The subjectKeyIdentifier (hex) of an authority. */
export function keyIdentifierOf(a: ChainAuthority): string {
  const ext = a.cert.getExtension(SubjectKeyIdentifierExtension);
  if (!ext) throw new Error('authority has no subjectKeyIdentifier');
  return ext.keyId;
}

export interface LeafOptions extends Validity {
  /** Default `C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate Chained Leaf`. */
  subject?: string;
  /** Adds the id-fido-gen-ce-aaguid extension with this AAGUID. */
  aaguid?: string;
  /** basicConstraints cA of the leaf (default false). */
  isCA?: boolean;
  /** keyUsage of the leaf (default digitalSignature). */
  keyUsage?: KeyUsageFlags;
}

const serial = (): string => {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x01;
  return b.toString('hex');
};

function bounds(v: Validity): { notBefore: Date; notAfter: Date } {
  const now = v.now ?? new Date();
  return {
    notBefore: v.notBefore ?? new Date(now.getTime() - DAY_MS),
    notAfter: v.notAfter ?? new Date(now.getTime() + TEN_YEARS_MS),
  };
}

const generateKeys = async (): Promise<CryptoKeyPair> => (await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;

function authority(cert: X509Certificate, keys: CryptoKeyPair): ChainAuthority {
  return { cert, der: new Uint8Array(cert.rawData), pem: cert.toString('pem'), keys };
}

function aaguidExtension(aaguid: string): Extension {
  return new Extension(ID_FIDO_GEN_CE_AAGUID, false, AsnConvert.serialize(new OctetString(aaguidToBytes(aaguid))));
}

async function toAttestationCert(cert: X509Certificate, keys: CryptoKeyPair): Promise<AttestationCert> {
  return {
    certDer: new Uint8Array(cert.rawData),
    certPem: cert.toString('pem'),
    privateKey: KeyObject.from(keys.privateKey as unknown as webcrypto.CryptoKey),
    publicKey: KeyObject.from(keys.publicKey as unknown as webcrypto.CryptoKey),
  };
}

/** A self-signed root CA. */
export async function createRoot(opts: AuthorityOptions = {}): Promise<ChainAuthority> {
  const keys = await generateKeys();
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: opts.subject ?? 'C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Chain Root',
      ...bounds(opts),
      keys,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new BasicConstraintsExtension(opts.isCA ?? true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        opts.keyIdentifier !== undefined
          ? new SubjectKeyIdentifierExtension(opts.keyIdentifier)
          : await SubjectKeyIdentifierExtension.create(keys.publicKey, false, wc),
      ],
    },
    wc,
  );
  return authority(cert, keys);
}

/** An intermediate CA issued by `issuer`. */
export async function createIntermediate(issuer: ChainAuthority, opts: AuthorityOptions = {}): Promise<ChainAuthority> {
  const keys = await generateKeys();
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: opts.subject ?? 'C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Chain Intermediate',
      issuer: issuer.cert.subject,
      ...bounds(opts),
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions: [
        new BasicConstraintsExtension(opts.isCA ?? true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        await SubjectKeyIdentifierExtension.create(keys.publicKey, false, wc),
        await AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, wc),
      ],
    },
    wc,
  );
  return authority(cert, keys);
}

/** An attestation leaf (P-256, WebAuthn §8.2.1 subject) issued by `issuer`. */
export async function issueLeaf(issuer: ChainAuthority, opts: LeafOptions = {}): Promise<AttestationCert> {
  const keys = await generateKeys();
  const extensions: Extension[] = [
    new BasicConstraintsExtension(opts.isCA ?? false, undefined, true),
    new KeyUsagesExtension(opts.keyUsage ?? KeyUsageFlags.digitalSignature, true),
    await SubjectKeyIdentifierExtension.create(keys.publicKey, false, wc),
    await AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, wc),
  ];
  if (opts.aaguid !== undefined) extensions.push(aaguidExtension(opts.aaguid));
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject: opts.subject ?? 'C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate Chained Leaf',
      issuer: issuer.cert.subject,
      ...bounds(opts),
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: ECDSA_SHA256,
      extensions,
    },
    wc,
  );
  return toAttestationCert(cert, keys);
}

/**
 * A self-signed attestation certificate (subject = issuer, signed by its own key), like the
 * batch certificate of Chrome's virtual authenticator
 * (`C=US, O=Chromium, OU=Authenticator Attestation, CN=Batch Certificate`, CA false).
 */
export async function createSelfSignedLeaf(opts: LeafOptions = {}): Promise<AttestationCert> {
  const keys = await generateKeys();
  const extensions: Extension[] = [new BasicConstraintsExtension(opts.isCA ?? false, undefined, true)];
  if (opts.keyUsage !== undefined) extensions.push(new KeyUsagesExtension(opts.keyUsage, true));
  if (opts.aaguid !== undefined) extensions.push(aaguidExtension(opts.aaguid));
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: opts.subject ?? 'C=US, O=Chromium, OU=Authenticator Attestation, CN=Batch Certificate',
      ...bounds(opts),
      keys,
      signingAlgorithm: ECDSA_SHA256,
      extensions,
    },
    wc,
  );
  return toAttestationCert(cert, keys);
}
