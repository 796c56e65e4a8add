import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';
import { GroupCommit } from '../../lib/group-commit.js';
import { guard } from './mongo-errors.js';

/** Most statements one batched bulkWrite carries. */
export const MAX_BATCHED_STATEMENTS = 200;

/**
 * The write-only statements of concurrent callers on one collection, sent as ONE ordered
 * bulkWrite by group commit (lib/group-commit.ts): a caller alone goes at once, as before;
 * callers that come while a write is in flight share the next one (one `update` command when
 * the statements are all updates and replaces). Only for statements whose outcome the caller
 * does not read (upserts, updates by `_id`): each statement stays atomic on its own document,
 * exactly as when sent alone, and a caller's statements keep their order. Resolves once the
 * caller's statements were written. A failed statement rejects its caller and every caller
 * after it, with the error: ordered, MongoDB stops at it, so their statements were not
 * written (a wire-compatible server may go on: mongo-java-server does); the callers before
 * it were written. A failure to reach the store rejects them all (StoreUnavailableError).
 */
export function batchedBulkWrite<T extends Document>(collection: Collection<T>, max = MAX_BATCHED_STATEMENTS): (ops: AnyBulkWriteOperation<T>[]) => Promise<void> {
  const commit = new GroupCommit<AnyBulkWriteOperation<T>[]>(
    async (callers) => {
      try {
        await guard(() => collection.bulkWrite(callers.flat(), { ordered: true }));
        return undefined;
      } catch (err) {
        const failed = err instanceof MongoBulkWriteError ? [err.writeErrors].flat().map((e) => e.index) : [];
        if (failed.length === 0) throw err;
        const failedAt = Math.min(...failed);
        let start = 0;
        return callers.map((ops) => {
          start += ops.length;
          return start <= failedAt ? undefined : err;
        });
      }
    },
    max,
    (ops) => ops.length,
  );
  return (ops) => commit.write(ops);
}
