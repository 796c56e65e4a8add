/**
 * The MongoDB driver's own floor: CPU of the CLIENT process per command sent by the official
 * `mongodb` driver (keygate's stack), for the cheapest commands a sign-in makes: `findOne`
 * and `updateOne` by `_id` on a small collection, `concurrency` in flight, against the same
 * server the keygate child used. Measured in the bench process itself (nothing else runs in
 * it meanwhile): process.cpuUsage() around the window, after a warm-up. A sign-in on MongoDB
 * cannot cost less than the HTTP floor plus its round trips times this figure, whatever the
 * server code does; the headline sets keygate's MongoDB figure beside that sum.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';

export interface DriverFloor {
  /** Client CPU µs per command, mean of findOne and updateOne by _id. */
  usPerCommand: number;
  byCommand: { name: string; usPerCommand: number; n: number }[];
  concurrency: number;
}

export async function runDriverFloor(uri: string, plan: { ops: number; concurrency: number; budgetMs: number }): Promise<DriverFloor> {
  // The options keygate's store gives the driver that bear on a command's cost.
  const client = await new MongoClient(uri, { ignoreUndefined: true, appName: 'keygate-bench-floor' }).connect();
  try {
    const db = client.db(`keygate_bench_floor_${randomBytes(4).toString('hex')}`);
    const coll = db.collection<{ _id: string; n: number; data: string }>('docs');
    await coll.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: `k${i}`, n: 0, data: 'x'.repeat(200) })));
    const kinds: [string, (i: number) => Promise<unknown>][] = [
      ['findOne by _id', (i) => coll.findOne({ _id: `k${i % 1000}` })],
      ['updateOne by _id', (i) => coll.updateOne({ _id: `k${i % 1000}` }, { $inc: { n: 1 } })],
    ];
    const byCommand: DriverFloor['byCommand'] = [];
    for (const [name, op] of kinds) {
      const run = async (count: number) => {
        let next = 0;
        const deadline = performance.now() + plan.budgetMs;
        let done = 0;
        await Promise.all(
          Array.from({ length: plan.concurrency }, async () => {
            while (next < count && performance.now() < deadline) {
              await op(next++);
              done++;
            }
          }),
        );
        return done;
      };
      await run(Math.min(500, plan.ops)); // warm-up
      const cpu0 = process.cpuUsage();
      const n = await run(plan.ops);
      const cpu = process.cpuUsage(cpu0);
      byCommand.push({ name, usPerCommand: (cpu.user + cpu.system) / n, n });
    }
    await db.dropDatabase();
    return { usPerCommand: byCommand.reduce((s, c) => s + c.usPerCommand, 0) / byCommand.length, byCommand, concurrency: plan.concurrency };
  } finally {
    await client.close();
  }
}
