/**
 * Text for the server-CPU part of `npm run bench`: the cost table (one row per measured
 * window), the headline ratios against the floor, flatness (100k users / 1k users) and the
 * WORKERS comparison. Targets are printed beside the figures, never asserted.
 */
import type { CostRow } from './sign-in-cost.js';
import type { WorkersRow } from './workers-bench.js';
import type { DriverFloor } from './driver-floor.js';

const mb = (b: number) => (Number.isFinite(b) ? (b / 1048576).toFixed(0) : 'n/a');
const f = (v: number | undefined, d = 0) => (v !== undefined && Number.isFinite(v) ? v.toFixed(d) : '-');
const int = (n: number) => n.toLocaleString('en-US');

function table(head: string[], rows: string[][], right: Set<number>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const floorAt = (rows: CostRow[], c: number) => rows.find((r) => r.store === 'floor' && r.r.concurrency === c);

export function formatCostTable(rows: CostRow[]): string {
  const head = ['server', 'users', 'clients', 'op', 'n', 'failed', 'ops/s', 'CPU µs/op', 'x floor', 'cores', 'p50 ms', 'p99 ms', 'store calls/op', 'round trips/op', 'RSS peak MB', 'RSS max MB'];
  const body = rows.map(({ store, users, op, r }) => {
    const floor = floorAt(rows, r.concurrency);
    const ratio = store !== 'floor' && floor ? `${(r.cpuUsPerOp / floor.r.cpuUsPerOp).toFixed(2)}x` : '';
    return [
      store,
      users !== undefined ? int(users) : '',
      String(r.concurrency),
      op,
      `${r.n}${r.capped ? '*' : ''}`,
      r.errors ? String(r.errors) : '',
      f(r.opsPerSec),
      f(r.cpuUsPerOp),
      ratio,
      f(r.cpuCores, 2),
      f(r.p50Ms, 2),
      f(r.p99Ms, 2),
      f(r.storeCallsPerOp, 1),
      f(r.commandsPerOp, 1),
      mb(r.peakRssBytes),
      mb(r.maxRssBytes),
    ];
  });
  return table(head, body, new Set([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]));
}

export function formatHeadline(rows: CostRow[], headlineClients: number, driver?: DriverFloor): string[] {
  const out: string[] = [];
  const floor = floorAt(rows, headlineClients);
  for (const [store, target] of [['memory', 2], ['mongo', 3]] as const) {
    const s = rows.filter((r) => r.store === store && r.op === 'sign-in');
    const one = s.find((r) => r.r.concurrency === headlineClients);
    if (!one || !floor) {
      out.push(`  ${store}: n/a (did not run)`);
      continue;
    }
    const onExpress = rows.find((r) => r.store === 'express floor' && r.r.concurrency === headlineClients);
    if (store === 'memory' && onExpress) {
      out.push(
        `  the Express 5 floor (the floor's two routes on Express, express.json + res.json): ${f(onExpress.r.cpuUsPerOp)} µs = ${(onExpress.r.cpuUsPerOp / floor.r.cpuUsPerOp).toFixed(2)}x the floor` +
          ` (the 2x target is ${f(2 * floor.r.cpuUsPerOp)} µs); keygate = ${(one.r.cpuUsPerOp / onExpress.r.cpuUsPerOp).toFixed(2)}x the Express floor`,
      );
    }
    out.push(
      `  ${store.padEnd(6)} sign-in, ${int(one.users ?? 0)} users, ${headlineClients} clients: keygate ${f(one.r.cpuUsPerOp)} µs vs floor ${f(floor.r.cpuUsPerOp)} µs server CPU = ${(one.r.cpuUsPerOp / floor.r.cpuUsPerOp).toFixed(2)}x [target <= ${target}x]; ` +
        (one.r.commandsPerOp !== undefined
          ? `${f(one.r.commandsPerOp, 2)} store round trips (driver commands; ${f(one.r.storeCallsPerOp, 1)} store calls) [target <= 6]`
          : `${f(one.r.storeCallsPerOp, 1)} store calls`) +
        `; ${f(one.r.opsPerSec)} sign-ins/s; p50 ${f(one.r.p50Ms, 2)} ms, p99 ${f(one.r.p99Ms, 2)} ms`,
    );
    if (store === 'mongo' && driver && one.r.commandsPerOp !== undefined) {
      // What no code on this stack can go below: the HTTP floor plus the driver's cost of each round trip.
      const drivers = one.r.commandsPerOp * driver.usPerCommand;
      const stackFloor = floor.r.cpuUsPerOp + drivers;
      out.push(
        `  mongo  floor of the stack: the driver spends ${f(driver.usPerCommand)} µs of client CPU per command (${driver.byCommand.map((c) => `${c.name} ${f(c.usPerCommand)}`).join(', ')}; ${driver.concurrency} in flight), so ` +
          `${f(one.r.commandsPerOp, 2)} round trips cost ${f(drivers)} µs alone; HTTP floor + round trips = ${f(stackFloor)} µs = ${(stackFloor / floor.r.cpuUsPerOp).toFixed(2)}x the floor` +
          ` (the 3x target is ${f(3 * floor.r.cpuUsPerOp)} µs); keygate = ${(one.r.cpuUsPerOp / stackFloor).toFixed(2)}x that sum`,
      );
    }
    const reg = rows.find((r) => r.store === store && r.op === 'registration');
    if (reg) out.push(`  ${store.padEnd(6)} registration, ${reg.r.concurrency} clients: ${f(reg.r.cpuUsPerOp)} µs server CPU (${(reg.r.cpuUsPerOp / floor.r.cpuUsPerOp).toFixed(2)}x the sign-in floor); ${f(reg.r.storeCallsPerOp, 1)} store calls${reg.r.commandsPerOp !== undefined ? `, ${f(reg.r.commandsPerOp, 2)} round trips` : ''}`);
    const peak = Math.max(...rows.filter((r) => r.store === store).map((r) => r.r.maxRssBytes));
    out.push(`  ${store.padEnd(6)} peak RSS of the server process over its run: ${mb(peak)} MB`);
  }
  return out;
}

export function formatFlatness(rows: CostRow[], small: number, large: number): string[] {
  const out: string[] = [];
  for (const store of ['memory', 'mongo']) {
    const at = (users: number, c: number) => rows.find((r) => r.store === store && r.op === 'sign-in' && r.users === users && r.r.concurrency === c);
    for (const c of [...new Set(rows.filter((r) => r.store === store && r.op === 'sign-in').map((r) => r.r.concurrency))]) {
      const a = at(small, c);
      const b = at(large, c);
      if (!a || !b) continue;
      const ratio = b.r.cpuUsPerOp / a.r.cpuUsPerOp;
      out.push(
        `  ${store.padEnd(6)} ${String(c).padStart(2)} clients: CPU/sign-in ${f(b.r.cpuUsPerOp)} vs ${f(a.r.cpuUsPerOp)} µs = ${ratio.toFixed(2)}x [target <= 1.2x]${ratio > 1.2 ? ' NOT FLAT' : ''}; ` +
          `p50 ${(b.r.p50Ms / a.r.p50Ms).toFixed(2)}x, sign-ins/s ${(b.r.opsPerSec / a.r.opsPerSec).toFixed(2)}x, store calls ${f(b.r.storeCallsPerOp, 1)} vs ${f(a.r.storeCallsPerOp, 1)}`,
      );
    }
  }
  return out;
}

export function formatWorkers(rows: WorkersRow[]): string {
  const head = ['WORKERS', 'clients', 'n', 'sign-ins/s', 'CPU µs/sign-in (all processes)', 'p50 ms', 'p99 ms', 'peak RSS MB (sum)'];
  const body = rows.map((r) => [String(r.workers), String(r.concurrency), String(r.n), f(r.opsPerSec), f(r.cpuUsPerOp), f(r.p50Ms, 2), f(r.p99Ms, 2), mb(r.peakRssBytes)]);
  const lines = [table(head, body, new Set([0, 1, 2, 3, 4, 5, 6, 7]))];
  for (const c of [...new Set(rows.map((r) => r.concurrency))]) {
    const one = rows.find((r) => r.workers === 1 && r.concurrency === c);
    const two = rows.find((r) => r.workers === 2 && r.concurrency === c);
    if (one && two) lines.push(`  ${c} clients: WORKERS=2 / WORKERS=1 = ${(two.opsPerSec / one.opsPerSec).toFixed(2)}x sign-ins/s`);
  }
  return lines.join('\n');
}

export function formatBreakdown(b: { op: string; byMethod: [string, number, number][]; n: number }[]): string[] {
  return b.flatMap(({ op, byMethod, n }) => [
    `  ${op}: ${(byMethod.reduce((s, [, k]) => s + k, 0) / n).toFixed(1)} store calls each, ${(byMethod.reduce((s, [, , ms]) => s + ms, 0) / n).toFixed(2)} ms awaiting them:`,
    ...byMethod.sort((x, y) => y[2] - x[2]).map(([m, k, ms]) => `    ${m.padEnd(30)} ${(k / n).toFixed(2)} calls  ${(ms / n).toFixed(3)} ms`),
  ]);
}
