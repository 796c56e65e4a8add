/**
 * Group commit of audit events (audit/audit-writer.ts): an event written while nothing is in
 * flight goes alone and at once; events written meanwhile go together in the next write;
 * each write resolves only once its event is stored, and a failed write rejects exactly
 * the events of its batch.
 */
import { describe, expect, it } from '@jest/globals';
import { auditWriter } from '../../server/src/audit/audit-writer.js';
import type { AuditEvent, AuditStore } from '../../server/src/storage/ports.js';

const event = (n: number): AuditEvent => ({ id: `e${n}`, type: 'authentication.succeeded', outcome: 'success', at: new Date(0), expiresAt: new Date(1) });

/** An AuditStore whose writes the test completes by hand. */
function handStore() {
  const writes: { events: string[]; done: () => void; fail: (e: Error) => void }[] = [];
  const stored: string[] = [];
  const audit: AuditStore = {
    appendMany: (events) =>
      new Promise<void>((resolve, reject) => {
        writes.push({
          events: events.map((e) => e.id),
          done: () => {
            stored.push(...events.map((e) => e.id));
            resolve();
          },
          fail: reject,
        });
      }),
    list: async () => [],
  };
  return { audit, writes, stored };
}

const settled = async (ps: Promise<void>[]) => (await Promise.allSettled(ps)).map((r) => r.status);
const tick = () => new Promise((r) => setImmediate(r));

describe('auditWriter', () => {
  it('writes a lone event at once, and the events written meanwhile together in the next write', async () => {
    const { audit, writes, stored } = handStore();
    const w = auditWriter(audit);
    const first = w.write(event(1));
    expect(writes.map((x) => x.events)).toEqual([['e1']]); // at once: no timer
    const rest = [2, 3, 4].map((n) => w.write(event(n)));
    expect(writes).toHaveLength(1); // waiting for the write in flight
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await tick();
    expect(firstDone).toBe(false); // resolves only once stored
    writes[0]!.done();
    await first;
    await tick();
    expect(writes.map((x) => x.events)).toEqual([['e1'], ['e2', 'e3', 'e4']]);
    writes[1]!.done();
    expect(await settled(rest)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(stored).toEqual(['e1', 'e2', 'e3', 'e4']);
    // Idle again: the next event goes alone, at once.
    const later = w.write(event(5));
    expect(writes.map((x) => x.events)[2]).toEqual(['e5']);
    writes[2]!.done();
    await later;
  });

  it('a failed write rejects the events of its batch, and the next batch is written all the same', async () => {
    const { audit, writes, stored } = handStore();
    const w = auditWriter(audit);
    const a = w.write(event(1));
    const b = [w.write(event(2)), w.write(event(3))];
    writes[0]!.fail(new Error('store down'));
    await expect(a).rejects.toThrow('store down');
    await tick();
    expect(writes.map((x) => x.events)).toEqual([['e1'], ['e2', 'e3']]);
    writes[1]!.done();
    expect(await settled(b)).toEqual(['fulfilled', 'fulfilled']);
    expect(stored).toEqual(['e2', 'e3']);
  });

  it('a batch carries at most maxBatch events, in the order they were written', async () => {
    const { audit, writes } = handStore();
    const w = auditWriter(audit, 2);
    const all = [1, 2, 3, 4, 5, 6].map((n) => w.write(event(n)));
    for (let i = 0; i < 4; i++) {
      await tick();
      writes[i]?.done();
    }
    await Promise.all(all);
    expect(writes.map((x) => x.events)).toEqual([['e1'], ['e2', 'e3'], ['e4', 'e5'], ['e6']]);
  });
});
