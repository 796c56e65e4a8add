import type { IncomingHttpHeaders } from 'node:http';
import type { Random } from '../lib/random.js';

/** An incoming X-Request-Id is kept only if it is this: 1-128 characters that are safe in a log line and a header. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Longest User-Agent kept for the audit trail (longer ones are cut). */
export const USER_AGENT_MAX = 256;

/** Bytes per generated id (22 base64url characters) and ids drawn from the source at once. */
const ID_BYTES = 16;
const IDS_PER_DRAW = 256;

/**
 * Gives every request an id: the caller's `X-Request-Id` when it is well formed (a proxy's or
 * a client's, so one id follows the request across systems), otherwise a new random one of
 * 16 bytes as base64url (anything malformed is dropped, never echoed, so a client cannot
 * inject text into logs or headers). Ids are correlation handles, not secrets; the random
 * bytes come from `random` in draws of 256 ids (one call to the source instead of one per
 * request), each byte used once.
 */
export function requestIds(random: Random): (headers: IncomingHttpHeaders) => string {
  let pool: Buffer = Buffer.alloc(0);
  let offset = 0;
  return (headers) => {
    const given = headers['x-request-id'];
    if (typeof given === 'string' && REQUEST_ID.test(given)) return given;
    if (offset === pool.length) {
      const bytes = random.bytes(ID_BYTES * IDS_PER_DRAW);
      pool = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      offset = 0;
    }
    offset += ID_BYTES;
    return pool.toString('base64url', offset - ID_BYTES, offset);
  };
}
