/**
 * The id-fido-gen-ce-aaguid certificate extension (FIDO "packed" attestation, WebAuthn §8.2.1;
 * also TPM §8.3.1): OID 1.3.6.1.4.1.45724.1.1.4, whose extnValue is the DER OCTET STRING of the
 * authenticator model's 16 AAGUID bytes. Parsed with @peculiar/x509 + @peculiar/asn1-schema,
 * never by hand.
 */
// tsyringe (inside @peculiar/x509) needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';

export const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';

/**
 * The AAGUID the DER certificate `der` names in its id-fido-gen-ce-aaguid extension, as a
 * lower-case UUID with dashes; `undefined` when the certificate has no such extension.
 * Throws `TypeError` when `der` is not a readable certificate or the extension is present but
 * is not an OCTET STRING of 16 bytes (a caller judging trust treats that as untrusted).
 */
export function certificateAaguid(der: Uint8Array): string | undefined {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(toArrayBuffer(der));
  } catch (err) {
    throw new TypeError(`not a readable X.509 certificate: ${(err as Error).message}`);
  }
  const ext = cert.getExtension(ID_FIDO_GEN_CE_AAGUID);
  if (!ext) return undefined;
  let value: Uint8Array;
  try {
    value = new Uint8Array(AsnConvert.parse(ext.value, OctetString).buffer);
  } catch (err) {
    throw new TypeError(`id-fido-gen-ce-aaguid extension is not a DER OCTET STRING: ${(err as Error).message}`);
  }
  if (value.length !== 16) throw new TypeError(`id-fido-gen-ce-aaguid extension holds ${value.length} bytes, not 16`);
  const hex = Buffer.from(value).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
