import { MongoError, MongoServerError } from 'mongodb';
import { ConflictError, StoreUnavailableError } from '../../errors/keygate-error.js';

/** MongoDB's duplicate-key error code (unique index violation). */
export const DUPLICATE_KEY = 11000;

/** Driver error classes that mean "the store cannot be reached right now". */
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
]);

/** Socket errors that can escape the driver when a server dies mid-operation. */
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Runs one driver operation and translates its failures: unreachable server →
 * `StoreUnavailableError` (503); anything else is rethrown unchanged (a bug, not input).
 *
 * Seen with driver 7.9 when the server goes away: first `MongoNetworkError` (labels
 * RetryableError), then, once a heartbeat failed, `MongoServerSelectionError` after
 * serverSelectionTimeoutMS; right after a kill, occasionally a raw Node `EPIPE` error.
 */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isUnavailable(err)) throw new StoreUnavailableError(`${(err as Error).name}: ${(err as Error).message}`);
    throw err;
  }
}

function isUnavailable(err: unknown): boolean {
  if (err instanceof MongoError) {
    return UNAVAILABLE.has(err.name) || err.hasErrorLabel('RetryableError') || err.hasErrorLabel('RetryableWriteError');
  }
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && SOCKET_CODES.has(code);
}

/** Runs an insert; a duplicate key becomes the given ConflictError (nothing was written). */
export async function insertOrConflict(op: () => Promise<unknown>, conflict: () => ConflictError): Promise<void> {
  try {
    await guard(op);
  } catch (err) {
    if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw conflict();
    throw err;
  }
}
