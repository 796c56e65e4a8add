/**
 * Reads a compact JWT (JWS: `header.payload.signature`, each part base64url) for DISPLAY
 * only: nothing here checks the signature, so nothing decoded here may be trusted. A
 * backend verifies the token with keygate's JWKS (e.g. jose's jwtVerify).
 *
 * Contract of `decodeJwt(token)`: returns the header and the claims as parsed JSON objects;
 * throws an `Error` when the token does not have three parts, a part is not base64url, or
 * the header or payload is not UTF-8 JSON of an object. No library: atob and TextDecoder.
 */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error(`a JWT has 3 parts, this has ${parts.length}`);
  return { header: jsonObject(parts[0]!, 'header'), claims: jsonObject(parts[1]!, 'payload') };
}

/** base64url (RFC 4648 §5, padding optional) → bytes. */
export function base64urlToBytes(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) throw new Error('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function jsonObject(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64urlToBytes(part)));
  } catch {
    throw new Error(`the ${what} is not base64url-encoded JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}
