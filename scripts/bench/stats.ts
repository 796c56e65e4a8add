/**
 * Timing primitives for `npm run bench` (scripts/bench.ts): warm-up + a fixed number of
 * timed iterations, each case also capped by a wall-clock budget (a capped case reports how
 * many iterations it managed and is flagged, never fails). Figures only; nothing asserts.
 *
 * - `measure`: serial. A case function may return a number: the milliseconds to count for
 *   that iteration (lets HTTP cases leave out the software authenticator's client-side work);
 *   otherwise the iteration's wall time counts. ops/s = 1000 / mean.
 * - `measureConcurrent`: `concurrency` workers share one iteration counter; every op's
 *   latency is recorded and ops/s = completed ops / wall time of the whole run.
 * Between warm-up and timing, a full GC runs (when V8 lets us expose it), so garbage left by
 * fixture generation or an earlier case is not collected on this case's clock.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full GC when V8 lets the flag be set at run time (used before each measured window), else undefined. */
export const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
})();

export interface Result {
  group: string;
  name: string;
  n: number;
  opsPerSec: number;
  meanMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Why fewer than the planned iterations ran, or other remark for the table. */
  note?: string;
}

export interface Plan {
  warmup: number;
  iterations: number;
  /** Stop timing this case after this many ms (the iterations done so far are reported). */
  budgetMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length); // nearest-rank
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Summarises latency samples (ms). `wallMs` given: ops/s from it (concurrent runs). */
export function summarize(group: string, name: string, samples: number[], wallMs?: number, note?: string): Result {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  const mean = sorted.length ? sum / sorted.length : NaN;
  return {
    group,
    name,
    n: sorted.length,
    opsPerSec: wallMs !== undefined ? (sorted.length * 1000) / wallMs : 1000 / mean,
    meanMs: mean,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    ...(note ? { note } : {}),
  };
}

type CaseFn = (i: number) => Promise<number | void> | number | void;

function cappedNote(done: number, plan: Plan): string | undefined {
  return done < plan.iterations ? `capped by ${plan.budgetMs} ms budget (${done}/${plan.iterations})` : undefined;
}

/** Runs `fn(0..warmup-1)` untimed, then `fn(warmup..)` timed, serially. */
export async function measure(group: string, name: string, plan: Plan, fn: CaseFn): Promise<Result> {
  for (let i = 0; i < plan.warmup; i++) await fn(i);
  gc?.();
  const samples: number[] = [];
  const deadline = performance.now() + plan.budgetMs;
  for (let k = 0; k < plan.iterations && performance.now() < deadline; k++) {
    const t0 = performance.now();
    const counted = await fn(plan.warmup + k);
    const wall = performance.now() - t0;
    samples.push(typeof counted === 'number' ? counted : wall);
  }
  return summarize(group, name, samples, undefined, cappedNote(samples.length, plan));
}

/**
 * `concurrency` workers each loop `fn(worker, i)` until `plan.iterations` ops were started
 * (after a concurrent warm-up of `plan.warmup` ops) or the budget ran out.
 */
export async function measureConcurrent(
  group: string,
  name: string,
  plan: Plan & { concurrency: number },
  fn: (worker: number, i: number) => Promise<unknown>,
): Promise<Result> {
  const run = async (total: number, record: number[] | null, deadline: number) => {
    let next = 0;
    const worker = async (w: number) => {
      while (next < total && performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        await fn(w, i);
        record?.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: plan.concurrency }, (_, w) => worker(w)));
  };
  await run(plan.warmup, null, Infinity);
  gc?.();
  const samples: number[] = [];
  const t0 = performance.now();
  await run(plan.iterations, samples, t0 + plan.budgetMs);
  const wall = performance.now() - t0;
  const note = [`${plan.concurrency} in flight`, cappedNote(samples.length, plan)].filter(Boolean).join('; ');
  return summarize(group, name, samples, wall, note);
}
