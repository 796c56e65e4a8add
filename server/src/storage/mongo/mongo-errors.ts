import { MongoError, MongoServerError } from 'mongodb';
import { ConflictError, StoreUnavailableError } from '../../errors/keygate-error.js';

/** MongoDB's duplicate-key error code (unique index violation). */
export const DUPLICATE_KEY = 11000;

/** Driver error classes that mean "the store cannot be reached or answer right now". */
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
  'MongoOperationTimeoutError',
  'MongoStalePrimaryError',
  'MongoWriteConcernError',
  'MongoWaitQueueTimeoutError', // no pooled connection came free in waitQueueTimeoutMS (a hung server)
]);

/**
 * Server error codes that mean the same (what the driver retries once, still failing after
 * the retry; the write concern not met in time; the operation over its time limit):
 * HostUnreachable 6, HostNotFound 7, LockTimeout 24, MaxTimeMSExpired 50, WriteConcernFailed /
 * WriteConcernTimeout 64, UnknownReplWriteConcern 79, NetworkTimeout 89, ShutdownInProgress 91,
 * UnsatisfiableWriteConcern 100, PrimarySteppedDown 189, ExceededTimeLimit 262,
 * NotWritablePrimary 10107, InterruptedAtShutdown 11600, InterruptedDueToReplStateChange 11602,
 * NotPrimaryNoSecondaryOk 13435, NotPrimaryOrSecondary 13436.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 24, 50, 64, 79, 89, 91, 100, 189, 262, 10107, 11600, 11602, 13435, 13436]);

/** Socket errors that can escape the driver when a server dies mid-operation. */
const SOCKET_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH']);

/**
 * Runs one driver operation and translates its failures: a store that cannot be reached or
 * cannot answer in time (network, server selection, not primary after the retry, write
 * concern, time limits; see UNAVAILABLE and UNAVAILABLE_CODES) → `StoreUnavailableError`
 * (503, retryable); anything else is rethrown unchanged (a bug, not input). Every operation
 * is bounded in time by the client's timeouts (see openMongoStore).
 *
 * Seen with driver 7.9 when the server goes away: first `MongoNetworkError` (labels
 * RetryableError), then, once a heartbeat failed, `MongoServerSelectionError` after
 * serverSelectionTimeoutMS; right after a kill, occasionally a raw Node `EPIPE` error; when
 * the server stops answering on an open connection, `MongoNetworkTimeoutError` after socketTimeoutMS.
 */
export async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isUnavailable(err)) throw new StoreUnavailableError(`${(err as Error).name}: ${(err as Error).message}`);
    throw err;
  }
}

/** Whether a driver failure means "unavailable now" rather than a bug. */
export function isUnavailable(err: unknown): boolean {
  if (err instanceof MongoError) {
    const code = (err as { code?: unknown }).code;
    return UNAVAILABLE.has(err.name) || err.hasErrorLabel('RetryableError') || err.hasErrorLabel('RetryableWriteError') || (typeof code === 'number' && UNAVAILABLE_CODES.has(code));
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
