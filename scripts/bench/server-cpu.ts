/**
 * The parent half of the server-CPU measurements: starts a benchmark server as a CHILD
 * PROCESS (keygate-child.ts or floor-child.ts, `node --import tsx`, IPC channel) and runs
 * measured windows against it.
 *
 * `cpuWindow(child, plan, op)`: asks the child to start a window (child-meter.ts: GC, CPU
 * snapshot), runs `op(worker, i)` with `plan.concurrency` workers until `plan.ops` ops were
 * started or `plan.budgetMs` ran out, then asks the child for the CPU time, RSS and store
 * calls of the window. Server CPU per op = (user + system CPU µs of the child) / ops done; it
 * counts nothing of the client (this process: HTTP client, software authenticator), which
 * competes for the same cores but is not on the server's CPU clock. Latency: what `op` returns
 * (the HTTP round trips); ops/s: ops done / window wall time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { WindowReport } from './child-meter.js';
import type { Target } from './ceremony-client.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface BenchChild extends Target {
  pid: number;
  request<T = Record<string, unknown>>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startChild(file: 'keygate-child.ts' | 'floor-child.ts', env: Record<string, string>, timeoutMs = 30_000): Promise<BenchChild> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const child: ChildProcess = fork(fileURLToPath(new URL(`./${file}`, import.meta.url)), [], {
    cwd: ROOT,
    // BENCH_CPU_PROF=DIR: each server child writes a V8 CPU profile into DIR when it exits
    // (open it in Chrome DevTools or speedscope); for profiling, never in a reported run.
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...base, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-4000)));
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let exited = false;
  child.on('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`${file} exited (code ${code}, signal ${signal}): ${stderr}`));
    pending.clear();
  });
  const ready = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} not ready after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.on('message', (m: any) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      } else if (m && typeof m.id === 'number') {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (!p) return;
        if (m.error) p.reject(new Error(`${file}: ${m.error}`));
        else p.resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited before it was ready (code ${code}): ${stderr}`));
    });
  });
  return {
    base: `http://127.0.0.1:${ready.port}`,
    origin: `http://localhost:${ready.port}`,
    pid: child.pid!,
    request<T>(msg: Record<string, unknown>, ms = 600_000) {
      if (exited) return Promise.reject(new Error(`${file} has exited: ${stderr}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${file}: no answer to ${String(msg.type)} in ${ms} ms`));
        }, ms);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, ...msg });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export interface WindowPlan {
  ops: number;
  budgetMs: number;
  concurrency: number;
}

export interface WindowResult {
  n: number;
  concurrency: number;
  wallMs: number;
  opsPerSec: number;
  /** Server CPU (user + system) per op, µs. */
  cpuUsPerOp: number;
  /** Server CPU used / wall time of the window (1.0 = one core busy all the time). */
  cpuCores: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  storeCallsPerOp?: number;
  /** MongoDB: driver commands (round trips) per op. */
  commandsPerOp?: number;
  byMethod?: [string, number, number][];
  peakRssBytes: number;
  maxRssBytes: number;
  capped: boolean;
  /** Ops that failed (e.g. 503 store_unavailable from an overloaded test database): not counted in n. */
  errors: number;
  firstError?: string;
  /** The raw figures the others derive from (mergeWindows adds windows up from them). */
  raw: { cpuUs: number; childWallMs: number; latenciesMs: number[]; storeCalls?: number; storeCommands?: number };
}

/**
 * One result from several windows of the same op on the same server (sums of ops, CPU and
 * wall time, percentiles over all latencies, store calls per op over all ops): how a window
 * split into interleaved parts is reported. `byMethod` is the first part's.
 */
export function mergeWindows(parts: WindowResult[]): WindowResult {
  if (parts.length === 1) return parts[0]!;
  const sum = (f: (r: WindowResult) => number) => parts.reduce((a, r) => a + f(r), 0);
  const n = sum((r) => r.n);
  const wallMs = sum((r) => r.wallMs);
  const cpuUs = sum((r) => r.raw.cpuUs);
  const childWallMs = sum((r) => r.raw.childWallMs);
  const latenciesMs = parts.flatMap((r) => r.raw.latenciesMs).sort((a, b) => a - b);
  const calls = parts.every((r) => r.raw.storeCalls !== undefined) ? sum((r) => r.raw.storeCalls!) : undefined;
  const commands = parts.every((r) => r.raw.storeCommands !== undefined) ? sum((r) => r.raw.storeCommands!) : undefined;
  const first = parts[0]!;
  return {
    n,
    concurrency: first.concurrency,
    wallMs,
    opsPerSec: (n * 1000) / wallMs,
    cpuUsPerOp: n ? cpuUs / n : NaN,
    cpuCores: cpuUs / 1000 / childWallMs,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    meanMs: n ? latenciesMs.reduce((a, b) => a + b, 0) / n : NaN,
    ...(commands !== undefined ? { commandsPerOp: n ? commands / n : NaN } : {}),
    ...(calls !== undefined ? { storeCallsPerOp: n ? calls / n : NaN, byMethod: first.byMethod } : {}),
    peakRssBytes: Math.max(...parts.map((r) => r.peakRssBytes)),
    maxRssBytes: Math.max(...parts.map((r) => r.maxRssBytes)),
    capped: parts.some((r) => r.capped),
    errors: sum((r) => r.errors),
    ...(parts.find((r) => r.firstError) ? { firstError: parts.find((r) => r.firstError)!.firstError } : {}),
    raw: { cpuUs, childWallMs, latenciesMs, ...(calls !== undefined ? { storeCalls: calls } : {}), ...(commands !== undefined ? { storeCommands: commands } : {}) },
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

/**
 * Runs `op` `count` times with `concurrency` workers (or until `deadline`); returns the
 * latencies of the ops that succeeded. A failed op is counted in `errors` and the run goes on
 * (a benchmark prints, it never fails on an overloaded server), unless nothing succeeds at all.
 */
export async function runOps(count: number, concurrency: number, op: (worker: number, i: number) => Promise<number>, deadline = Infinity, errors?: { n: number; first?: string }): Promise<number[]> {
  const samples: number[] = [];
  const errs = errors ?? { n: 0 };
  let next = 0;
  const worker = async (w: number) => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      try {
        samples.push(await op(w, i));
      } catch (err) {
        errs.n++;
        errs.first ??= (err as Error).message.slice(0, 300);
        if (errs.n >= 20 && samples.length === 0) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, count)) }, (_, w) => worker(w)));
  return samples;
}

export async function cpuWindow(child: BenchChild, plan: WindowPlan, op: (worker: number, i: number) => Promise<number>): Promise<WindowResult> {
  await child.request({ type: 'window-start' });
  const t0 = performance.now();
  const errors: { n: number; first?: string } = { n: 0 };
  const samples = await runOps(plan.ops, plan.concurrency, op, t0 + plan.budgetMs, errors);
  const wallMs = performance.now() - t0;
  const rep = await child.request<WindowReport>({ type: 'window-stop' });
  const sorted = samples.sort((a, b) => a - b);
  const n = sorted.length;
  const cpuUs = rep.cpuUserUs + rep.cpuSystemUs;
  return {
    n,
    concurrency: plan.concurrency,
    wallMs,
    opsPerSec: (n * 1000) / wallMs,
    cpuUsPerOp: n ? cpuUs / n : NaN,
    cpuCores: cpuUs / 1000 / rep.wallMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: n ? sorted.reduce((a, b) => a + b, 0) / n : NaN,
    ...(rep.storeCommands !== undefined ? { commandsPerOp: n ? rep.storeCommands / n : NaN } : {}),
    ...(rep.storeCalls !== undefined ? { storeCallsPerOp: n ? rep.storeCalls / n : NaN, byMethod: rep.byMethod } : {}),
    peakRssBytes: rep.peakRssBytes,
    maxRssBytes: rep.maxRssBytes,
    capped: n + errors.n < plan.ops,
    errors: errors.n,
    ...(errors.first ? { firstError: errors.first } : {}),
    raw: { cpuUs, childWallMs: rep.wallMs, latenciesMs: sorted, ...(rep.storeCalls !== undefined ? { storeCalls: rep.storeCalls } : {}), ...(rep.storeCommands !== undefined ? { storeCommands: rep.storeCommands } : {}) },
  };
}
