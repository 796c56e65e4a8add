import { decodeAttestationObject, parseAuthenticatorData, type ParsedAuthenticatorData } from '@simplewebauthn/server/helpers';
import { BadRequestError, VerificationError } from '../../errors/keygate-error.js';
import { decodeBase64url } from '../../lib/base64url.js';

/**
 * Decoders for the binary parts of a PublicKeyCredential, each failing with its own code:
 * `invalid_base64url`, `malformed_client_data`, `malformed_attestation_object`,
 * `malformed_authenticator_data`. They parse with the same helpers the verifier uses,
 * so what passes here is what gets verified.
 */
export function decodeField(value: string, field: string): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64url(value);
  if (bytes === undefined) throw new BadRequestError('invalid_base64url', `${field}: ${preview(value)}`, { variant: 'field', params: { field } });
  return bytes;
}

/** The CollectedClientData fields keygate checks (WebAuthn §5.8.1). */
export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  /** Reserved since Level 3; legacy clients sent non-objects here (see checkTokenBinding). */
  tokenBinding?: unknown;
}

export function decodeClientData(clientDataJSON: string): ClientData {
  return readClientData(clientDataJSON).clientData;
}

/** `decodeClientData`, also handing back the decoded bytes (what the signature covers, hashed). */
export function readClientData(clientDataJSON: string): { bytes: Uint8Array<ArrayBuffer>; clientData: ClientData } {
  const bytes = decodeField(clientDataJSON, 'response.clientDataJSON');
  let parsed: unknown;
  try {
    parsed = JSON.parse(UTF8.decode(bytes));
  } catch (err) {
    throw new VerificationError('malformed_client_data', `clientDataJSON is not UTF-8 JSON: ${(err as Error).message}`);
  }
  const cd = parsed as Partial<ClientData> | null;
  if (!cd || typeof cd !== 'object' || typeof cd.type !== 'string' || typeof cd.challenge !== 'string' || typeof cd.origin !== 'string') {
    throw new VerificationError('malformed_client_data', 'clientDataJSON lacks string type, challenge or origin');
  }
  return { bytes, clientData: cd as ClientData };
}

/** Strict UTF-8 (a malformed sequence throws instead of becoming U+FFFD); stateless between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface AttestationParts {
  fmt: string;
  attStmt: Map<string, unknown>;
  authData: Uint8Array<ArrayBuffer>;
  parsedAuthData: ParsedAuthenticatorData;
}

export function decodeAttestation(attestationObject: string): AttestationParts {
  const bytes = decodeField(attestationObject, 'response.attestationObject');
  let decoded;
  try {
    decoded = decodeAttestationObject(bytes);
  } catch (err) {
    throw new VerificationError('malformed_attestation_object', `attestationObject is not valid CBOR: ${(err as Error).message}`);
  }
  // A well-formed CBOR item that is not a map (e.g. a bare integer) is still no attestationObject.
  if (!(decoded instanceof Map)) {
    throw new VerificationError('malformed_attestation_object', 'attestationObject is not a CBOR map');
  }
  const fmt = decoded.get('fmt');
  const authData = decoded.get('authData');
  const attStmt = decoded.get('attStmt');
  if (typeof fmt !== 'string' || !(authData instanceof Uint8Array) || !(attStmt instanceof Map)) {
    throw new VerificationError('malformed_attestation_object', 'attestationObject lacks fmt, attStmt or authData');
  }
  const ad = new Uint8Array(authData);
  return { fmt, attStmt: attStmt as Map<string, unknown>, authData: ad, parsedAuthData: parseAuthData(ad) };
}

export function parseAuthData(authData: Uint8Array<ArrayBuffer>): ParsedAuthenticatorData {
  try {
    return parseAuthenticatorData(authData);
  } catch (err) {
    throw new VerificationError('malformed_authenticator_data', `authenticatorData: ${(err as Error).message}`);
  }
}

function preview(s: unknown): string {
  if (typeof s !== 'string') return `not a string (${s === null ? 'null' : typeof s})`;
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
