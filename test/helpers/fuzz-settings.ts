/**
 * Run settings and process-level watches shared by test/fuzz/*.
 *
 * - `FUZZ_RUNS`: runs per property on the memory store (default {@link DEFAULT_RUNS}); the
 *   MongoDB store runs a quarter of them (at least 4). Raise it for a long run.
 * - `FUZZ_SEED`: the base seed (default {@link DEFAULT_SEED}); property `i` uses seed + i, so
 *   a failure printed by fast-check ("seed: …, path: …") replays with FUZZ_SEED alone.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type fc from 'fast-check';

export const DEFAULT_RUNS = 40;
export const DEFAULT_SEED = 0x6b6579;

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new TypeError(`${name} must be an integer (got ${JSON.stringify(raw)})`);
  return n;
}

export const FUZZ_RUNS = Math.max(1, intFromEnv('FUZZ_RUNS') ?? DEFAULT_RUNS);
export const FUZZ_SEED = intFromEnv('FUZZ_SEED') ?? DEFAULT_SEED;

/** Runs per property for a store; `factor` scales a property that is cheaper or dearer than one request. */
export function runsFor(store: 'memory' | 'mongo', factor = 1): number {
  const base = store === 'memory' ? FUZZ_RUNS : Math.max(4, Math.ceil(FUZZ_RUNS / 4));
  return Math.max(1, Math.round(base * factor));
}

/** fast-check parameters for property number `index` (its own seed, printed on failure). */
export function fcParams<T>(index: number, numRuns: number): fc.Parameters<T> {
  return { seed: FUZZ_SEED + index, numRuns, endOnFailure: process.env.FUZZ_SHRINK === '0' };
}

/** A Jest timeout for a property of `runs` runs of about `msPerRun` (generous: CI machines are slow). */
export function timeoutFor(runs: number, msPerRun: number): number {
  return 60_000 + runs * msPerRun * 10;
}

/**
 * The real `process` (Jest gives tests a sandboxed copy whose listeners never fire): every
 * unhandled rejection and uncaught exception during the suite is kept here.
 */
export function watchProcess(): { problems: string[]; stop(): void } {
  const real = vm.runInThisContext('process') as NodeJS.Process;
  const problems: string[] = [];
  const onRejection = (reason: unknown) => problems.push(`unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (err: Error) => problems.push(`uncaughtException: ${err.stack}`);
  real.on('unhandledRejection', onRejection);
  real.on('uncaughtExceptionMonitor', onException);
  return {
    problems,
    stop() {
      real.off('unhandledRejection', onRejection);
      real.off('uncaughtExceptionMonitor', onException);
    },
  };
}

let gc: (() => void) | undefined | null;

/** heapUsed after a full GC when one can be forced (v8 --expose-gc set at run time), else after a pause. */
export async function heapUsedAfterGc(): Promise<{ bytes: number; collected: boolean }> {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  await new Promise((r) => setTimeout(r, 20));
  if (gc) {
    gc();
    gc();
  }
  return { bytes: process.memoryUsage().heapUsed, collected: gc !== null };
}
