/**
 * base64url (RFC 4648 §5, no padding) for binary WebAuthn fields.
 *
 * `decodeBase64url` is strict: it rejects characters outside the URL-safe alphabet,
 * padding, and lengths no encoder produces, because Node's decoder silently skips junk.
 * It returns `undefined` for invalid input so callers can raise their own error code.
 */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (typeof text !== 'string' || !BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64url'));
}

export function isBase64url(text: unknown): text is string {
  return typeof text === 'string' && decodeBase64url(text) !== undefined;
}
