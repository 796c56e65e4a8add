/**
 * Which MongoDB driver failures keygate answers as 503 `store_unavailable` (retryable: the
 * store cannot be reached or answer in time) and which stay bugs (500), built from the
 * driver's own error classes; and, through the real HTTP app, that a store failing with each
 * kind answers 503 with Retry-After, never 500, while the process keeps serving.
 */
import { describe, expect, it } from '@jest/globals';
import {
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
} from 'mongodb';
import { StoreUnavailableError } from '../../server/src/errors/keygate-error.js';
import { guard, isUnavailable } from '../../server/src/storage/mongo/mongo-errors.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import { createHarness } from '../helpers/harness.js';

const server = (code: number, labels: string[] = []) => new MongoServerError({ code, errmsg: `server error ${code}`, errorLabels: labels });

const UNAVAILABLE: [string, () => Error][] = [
  ['network', () => new MongoNetworkError('connection reset')],
  ['network timeout (socketTimeoutMS)', () => new MongoNetworkTimeoutError('timed out')],
  ['server selection', () => new MongoServerSelectionError('no server', { type: 'Unknown', servers: new Map(), stale: false, compatible: true, heartbeatFrequencyMS: 1 } as never)],
  ['topology closed', () => new MongoTopologyClosedError()],
  ['not connected', () => new MongoNotConnectedError('not connected')],
  ['server closed', () => new MongoServerClosedError()],
  ['operation timeout', () => new MongoOperationTimeoutError('timed out')],
  ['not primary after the retry (NotWritablePrimary 10107)', () => server(10107)],
  ['NotPrimaryNoSecondaryOk 13435', () => server(13435)],
  ['NotPrimaryOrSecondary 13436', () => server(13436)],
  ['PrimarySteppedDown 189', () => server(189)],
  ['ShutdownInProgress 91', () => server(91)],
  ['InterruptedDueToReplStateChange 11602', () => server(11602)],
  ['maxTimeMS expired (50)', () => server(50)],
  ['ExceededTimeLimit 262', () => server(262)],
  ['a retryable write error, still failing after the retry', () => server(1, ['RetryableWriteError'])],
  ['write concern timeout (64)', () => new MongoWriteConcernError({ writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' }, ok: 1 } as never)],
  ['unsatisfiable write concern (100)', () => new MongoWriteConcernError({ writeConcernError: { code: 100, errmsg: 'Not enough data-bearing nodes' }, ok: 1 } as never)],
  ['a raw socket error (EPIPE)', () => Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })],
];

const BUGS: [string, () => Error][] = [
  ['BadValue (2)', () => server(2)],
  ['duplicate key (11000: a conflict, handled by insertOrConflict)', () => server(11000)],
  ['a TypeError', () => new TypeError('x is not a function')],
];

describe('driver failures', () => {
  it.each(UNAVAILABLE)('%s → 503 store_unavailable', async (_what, make) => {
    expect(isUnavailable(make())).toBe(true);
    const err = await guard(() => Promise.reject(make())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err).toMatchObject({ status: 503, code: 'store_unavailable', headers: { 'Retry-After': expect.any(String) } });
  });

  it.each(BUGS)('%s stays a bug (rethrown as is)', async (_what, make) => {
    expect(isUnavailable(make())).toBe(false);
    const original = make();
    await expect(guard(() => Promise.reject(original))).rejects.toBe(original);
  });

  it.each(UNAVAILABLE)('through the HTTP app, a store failing with %s answers 503, never 500', async (_what, make) => {
    const store = createMemoryStore();
    store.users.findByUsername = () => guard(() => Promise.reject(make()));
    store.ceremonies.put = () => guard(() => Promise.reject(make()));
    const h = createHarness(store);
    for (const res of [await h.agent().post('/attestation/options').send({ username: 'alice' }), await h.agent().post('/assertion/options').send({})]) {
      expect([res.status, res.body.code]).toEqual([503, 'store_unavailable']);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    }
    expect((await h.agent().get('/healthz')).status).toBe(200);
  });
});
