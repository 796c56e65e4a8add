/**
 * Printing for `npm run bench`: one aligned table of every case, then ratios between cases.
 * Latency ratios compare MEAN latency (`A / B = 3.0x`: A takes three times as long as B;
 * below 1x, A is faster), with the p50 ratio beside it (steadier on a busy machine);
 * throughput ratios compare ops/s and say so. A ratio whose cases
 * did not run (e.g. MongoDB skipped) is printed as n/a with the reason.
 */
import type { Result } from './stats.js';

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '-');

export function formatTable(results: Result[]): string {
  const head = ['group', 'case', 'n', 'ops/s', 'mean ms', 'p50 ms', 'p95 ms', 'p99 ms', 'note'];
  const rows = results.map((r) => [
    r.group,
    r.name,
    String(r.n),
    Number.isFinite(r.opsPerSec) ? r.opsPerSec.toFixed(r.opsPerSec < 100 ? 1 : 0) : '-',
    ms(r.meanMs),
    ms(r.p50Ms),
    ms(r.p95Ms),
    ms(r.p99Ms),
    r.note ?? '',
  ]);
  const numeric = new Set([2, 3, 4, 5, 6, 7]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

type Ref = [group: string, name: string];

export interface RatioSpec {
  label: string;
  a: Ref;
  b: Ref;
  /** `latency` (default): mean(a) / mean(b). `throughput`: ops/s(a) / ops/s(b). */
  kind?: 'latency' | 'throughput' | 'share';
}

export function formatRatios(results: Result[], specs: RatioSpec[]): string {
  const find = ([g, n]: Ref) => results.find((r) => r.group === g && r.name === n && r.n > 0);
  const width = Math.max(...specs.map((s) => s.label.length));
  return specs
    .map((s) => {
      const a = find(s.a);
      const b = find(s.b);
      const label = s.label.padEnd(width);
      if (!a || !b) return `${label} = n/a (${!a ? s.a.join(' / ') : s.b.join(' / ')} did not run)`;
      if (s.kind === 'share') return `${label} = ${((a.meanMs / b.meanMs) * 100).toFixed(1)}% (mean ${ms(a.meanMs)} of ${ms(b.meanMs)} ms)`;
      if (s.kind === 'throughput') return `${label} = ${(a.opsPerSec / b.opsPerSec).toFixed(2)}x throughput (${a.opsPerSec.toFixed(0)} vs ${b.opsPerSec.toFixed(0)} ops/s)`;
      return `${label} = ${(a.meanMs / b.meanMs).toFixed(2)}x (p50 ${(a.p50Ms / b.p50Ms).toFixed(2)}x; mean ${ms(a.meanMs)} vs ${ms(b.meanMs)} ms)`;
    })
    .join('\n');
}
