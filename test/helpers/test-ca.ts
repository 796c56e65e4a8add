/**
 * In-memory test PKI for WebAuthn attestation tests.
 *
 * `createTestCa()` generates a self-signed ES256 root CA; `issueAttestationCert()` issues leaf
 * certificates that satisfy the FIDO `packed` attestation certificate requirements
 * (WebAuthn §8.2.1) and can also be used for `fido-u2f` (the leaf key is always P-256):
 *
 * - X.509 version 3
 * - subject C (2 letters), O, OU = "Authenticator Attestation", CN
 * - basicConstraints CA = false
 * - optional id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4), non-critical, whose extnValue is
 *   the DER OCTET STRING holding the 16 AAGUID bytes (so: an OCTET STRING inside the extension's
 *   extnValue OCTET STRING).
 *
 * Keys come from WebCrypto (node:crypto's `webcrypto`, which @peculiar/x509 requires for
 * signing); certificate encoding is done by @peculiar/x509 / @peculiar/asn1-schema. Nothing here is
 * hand-rolled DER.
 *
 * Validity: notBefore = now - 1 day, notAfter = now + 10 years. NOTE: @simplewebauthn/server checks
 * validity against the *real* clock (`new Date()`), not against any `now` passed here; pass an
 * old/future `now` only to build deliberately expired / not-yet-valid certificates.
 */
// tsyringe (used inside @peculiar/x509) needs a Reflect metadata polyfill loaded first.
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

/** OID of the FIDO AAGUID certificate extension (id-fido-gen-ce-aaguid). */
export const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';

const DAY_MS = 24 * 60 * 60 * 1000;
const TEN_YEARS_MS = 3652 * DAY_MS;

const EC_P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const ECDSA_SHA256: EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };

// @peculiar/x509 takes a WebCrypto `Crypto`; node's webcrypto implements it.
const wc = webcrypto as unknown as Crypto;

export interface CreateTestCaOptions {
  /** Reference time for validity periods (default: `new Date()`). */
  now?: Date;
  /** Root subject DN (default: `C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Test Root CA`). */
  subject?: string;
}

export interface IssueAttestationCertOptions {
  /**
   * AAGUID (UUID string, dashes optional). When set, the leaf carries the
   * id-fido-gen-ce-aaguid extension with this value; when absent, no extension.
   */
  aaguid?: string;
  /**
   * Leaf subject DN (default: `C=US, O=Keygate Test, OU=Authenticator Attestation,
   * CN=Keygate Soft Authenticator`). Override to build certificates that violate §8.2.1.
   */
  subject?: string;
  /**
   * basicConstraints CA flag. Default `false` (required by §8.2.1); `true` only to build an
   * invalid leaf for negative tests.
   */
  isCA?: boolean;
  /** Reference time for validity (default: the CA's `now`). */
  now?: Date;
  /** Explicit validity bounds (override the now-based defaults). */
  notBefore?: Date;
  notAfter?: Date;
}

export interface AttestationCert {
  /** DER-encoded leaf certificate (the x5c[0] value). */
  certDer: Uint8Array;
  certPem: string;
  /** P-256 private key matching the leaf certificate (use with node:crypto `sign`). */
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface TestCa {
  /** Root certificate, PEM (what `SettingsService.setRootCertificates` takes). */
  rootPem: string;
  /** Root certificate, DER. */
  rootDer: Uint8Array;
  /** Parsed root certificate (@peculiar/x509). */
  rootCert: X509Certificate;
  /** Root CA private key (P-256). */
  rootPrivateKey: KeyObject;
  /** Issue a leaf attestation certificate signed by this root. */
  issueAttestationCert(opts?: IssueAttestationCertOptions): Promise<AttestationCert>;
}

const DEFAULT_ROOT_SUBJECT = 'C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Test Root CA';
const DEFAULT_LEAF_SUBJECT =
  'C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate Soft Authenticator';

/** UUID string (with or without dashes) -> 16 bytes. */
export function aaguidToBytes(aaguid: string): Uint8Array {
  const hex = aaguid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    throw new Error(`Invalid AAGUID "${aaguid}"`);
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function randomSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // keep it positive
  serial[0] |= 0x01; // and non-zero
  return serial.toString('hex');
}

export async function createTestCa(opts: CreateTestCaOptions = {}): Promise<TestCa> {
  const caNow = opts.now ?? new Date();
  const rootKeys = (await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;

  const rootCert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialHex(),
      name: opts.subject ?? DEFAULT_ROOT_SUBJECT,
      notBefore: new Date(caNow.getTime() - DAY_MS),
      notAfter: new Date(caNow.getTime() + TEN_YEARS_MS),
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
  const rootAki = await AuthorityKeyIdentifierExtension.create(rootKeys.publicKey, false, wc);

  async function issueAttestationCert(
    leafOpts: IssueAttestationCertOptions = {},
  ): Promise<AttestationCert> {
    const now = leafOpts.now ?? caNow;
    const leafKeys = (await wc.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;

    const extensions: Extension[] = [
      new BasicConstraintsExtension(leafOpts.isCA ?? false, undefined, true),
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
      await SubjectKeyIdentifierExtension.create(leafKeys.publicKey, false, wc),
      rootAki,
    ];
    if (leafOpts.aaguid !== undefined) {
      // extnValue = DER(OCTET STRING(aaguid)); Extension wraps it in the extnValue OCTET STRING.
      const inner = AsnConvert.serialize(new OctetString(aaguidToBytes(leafOpts.aaguid)));
      extensions.push(new Extension(ID_FIDO_GEN_CE_AAGUID, false, inner));
    }

    const leaf = await X509CertificateGenerator.create(
      {
        serialNumber: randomSerialHex(),
        subject: leafOpts.subject ?? DEFAULT_LEAF_SUBJECT,
        issuer: rootCert.subject,
        notBefore: leafOpts.notBefore ?? new Date(now.getTime() - DAY_MS),
        notAfter: leafOpts.notAfter ?? new Date(now.getTime() + TEN_YEARS_MS),
        publicKey: leafKeys.publicKey,
        signingKey: rootKeys.privateKey,
        signingAlgorithm: ECDSA_SHA256,
        extensions,
      },
      wc,
    );

    return {
      certDer: new Uint8Array(leaf.rawData),
      certPem: leaf.toString('pem'),
      privateKey: KeyObject.from(leafKeys.privateKey as unknown as webcrypto.CryptoKey),
      publicKey: KeyObject.from(leafKeys.publicKey as unknown as webcrypto.CryptoKey),
    };
  }

  return {
    rootPem: rootCert.toString('pem'),
    rootDer: new Uint8Array(rootCert.rawData),
    rootCert,
    rootPrivateKey: KeyObject.from(rootKeys.privateKey as unknown as webcrypto.CryptoKey),
    issueAttestationCert,
  };
}
