/**
 * The storage contract of sign-in approval requests (server/src/storage/ports.ts
 * ApprovalStore), checked as behaviour on every adapter: memory always, MongoDB when the
 * global setup started the shared test server. One request per requesting session (a new one
 * replaces it), found by request id only for its own user, pending until `decideBy`, decided
 * once by compare-and-set, marked expired once, taken once when approved and only for its
 * attempt; reads never return an expired record. Races fire 20 calls at once.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ApprovalRequest, Store } from '../../server/src/storage/ports.js';
import { testStores } from '../helpers/test-stores.js';

const id = (n = 16): string => randomBytes(n).toString('base64url');
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0 + ms);
const MIN = 60_000;

const request = (o: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: id(32),
  requestId: id(),
  attemptId: id(),
  userId: id(32),
  number: 42,
  choices: [17, 42, 88],
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  status: 'pending',
  createdAt: at(0),
  decideBy: at(2 * MIN),
  expiresAt: at(5 * MIN),
  ...o,
});

describe.each(testStores().map((f) => [f.name, f] as const))('ApprovalStore contract on the %s store', (_name, factory) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const open = async () => (store = await factory.open());

  it('keeps one request per session (a new one replaces it), copied in and out, and reads an expired record as absent', async () => {
    const s = await open();
    const r = request();
    expect(await s.approvals.forSession(r.id, at(0))).toBeUndefined();
    await s.approvals.put(r);
    const got = await s.approvals.forSession(r.id, at(1));
    expect(got).toEqual(r);
    got!.choices.push(1);
    expect((await s.approvals.forSession(r.id, at(1)))?.choices).toEqual([17, 42, 88]);
    const again = request({ id: r.id, userId: r.userId, number: 11, choices: [11, 12, 13] });
    await s.approvals.put(again);
    expect(await s.approvals.forSession(r.id, at(1))).toEqual(again);
    expect(await s.approvals.byRequestId(r.requestId, r.userId, at(1))).toBeUndefined();
    expect(await s.approvals.forSession(r.id, at(5 * MIN))).toBeUndefined();
    expect(await s.approvals.byRequestId(again.requestId, r.userId, at(5 * MIN))).toBeUndefined();
  });

  it('finds a request by id only for its own user, and lists a user\'s pending ones oldest first until decideBy', async () => {
    const s = await open();
    const userId = id(32);
    const a = request({ userId, createdAt: at(10) });
    const b = request({ userId, createdAt: at(0) });
    const other = request();
    await Promise.all([a, b, other].map((r) => s.approvals.put(r)));
    expect(await s.approvals.byRequestId(a.requestId, userId, at(20))).toEqual(a);
    expect(await s.approvals.byRequestId(a.requestId, other.userId, at(20))).toBeUndefined();
    expect((await s.approvals.pendingFor(userId, at(20))).map((r) => r.requestId)).toEqual([b.requestId, a.requestId]);
    expect(await s.approvals.pendingFor(userId, at(2 * MIN))).toEqual([]);
    // Decided ones are no longer pending.
    await s.approvals.decide(b.requestId, userId, at(30), { status: 'denied', decidedBy: 'x' });
    expect((await s.approvals.pendingFor(userId, at(40))).map((r) => r.requestId)).toEqual([a.requestId]);
  });

  it('decides by compare-and-set from pending, only for its user and before decideBy: of 20 racing decisions exactly one wins', async () => {
    const s = await open();
    const r = request();
    await s.approvals.put(r);
    expect(await s.approvals.decide(r.requestId, id(32), at(1), { status: 'approved', decidedBy: 'intruder' })).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.approvals.decide(r.requestId, r.userId, at(1), { status: i % 2 ? 'approved' : 'denied', decidedBy: `s${i}`, reason: i % 2 ? undefined : 'denied' })));
    const won = results.filter((x) => x !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ requestId: r.requestId, decidedAt: at(1) });
    expect(await s.approvals.forSession(r.id, at(2))).toEqual(won[0]);
    // Past decideBy nothing decides.
    const late = request();
    await s.approvals.put(late);
    expect(await s.approvals.decide(late.requestId, late.userId, at(2 * MIN), { status: 'approved', decidedBy: 'late' })).toBeUndefined();
  });

  it('marks a pending request expired once, only at or after decideBy', async () => {
    const s = await open();
    const r = request();
    await s.approvals.put(r);
    expect(await s.approvals.markExpired(r.id, r.requestId, at(2 * MIN - 1))).toBe(false);
    const results = await Promise.all(Array.from({ length: 20 }, () => s.approvals.markExpired(r.id, r.requestId, at(2 * MIN))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await s.approvals.forSession(r.id, at(2 * MIN)))?.status).toBe('expired');
    expect(await s.approvals.decide(r.requestId, r.userId, at(1), { status: 'approved', decidedBy: 'x' })).toBeUndefined();
    // A decided one is never marked expired.
    const d = request();
    await s.approvals.put(d);
    await s.approvals.decide(d.requestId, d.userId, at(1), { status: 'approved', decidedBy: 'x' });
    expect(await s.approvals.markExpired(d.id, d.requestId, at(3 * MIN))).toBe(false);
  });

  it('takes an approved request once, only for its attempt and before expiresAt: of 20 racing takes exactly one wins', async () => {
    const s = await open();
    const r = request();
    await s.approvals.put(r);
    expect(await s.approvals.takeApproved(r.id, r.attemptId, at(1))).toBeUndefined();
    await s.approvals.decide(r.requestId, r.userId, at(1), { status: 'approved', decidedBy: 'approver' });
    expect(await s.approvals.takeApproved(r.id, id(), at(2))).toBeUndefined();
    const results = await Promise.all(Array.from({ length: 20 }, () => s.approvals.takeApproved(r.id, r.attemptId, at(2))));
    const won = results.filter((x) => x !== undefined);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ status: 'approved', decidedBy: 'approver' });
    expect(await s.approvals.forSession(r.id, at(3))).toBeUndefined();
    // An approval not completed before expiresAt is gone.
    const old = request();
    await s.approvals.put(old);
    await s.approvals.decide(old.requestId, old.userId, at(1), { status: 'approved', decidedBy: 'approver' });
    expect(await s.approvals.takeApproved(old.id, old.attemptId, at(5 * MIN))).toBeUndefined();
    // A denied one is never taken.
    const denied = request();
    await s.approvals.put(denied);
    await s.approvals.decide(denied.requestId, denied.userId, at(1), { status: 'denied', decidedBy: 'approver', reason: 'not_me' });
    expect(await s.approvals.takeApproved(denied.id, denied.attemptId, at(2))).toBeUndefined();
    expect((await s.approvals.forSession(denied.id, at(2)))?.reason).toBe('not_me');
  });

  it('deletes a session\'s request', async () => {
    const s = await open();
    const r = request();
    await s.approvals.put(r);
    expect(await s.approvals.delete(r.id)).toBe(true);
    expect(await s.approvals.delete(r.id)).toBe(false);
    expect(await s.approvals.forSession(r.id, at(1))).toBeUndefined();
  });
});
