/**
 * Sign-ins per second with WORKERS=1 and WORKERS=2 on MongoDB: keygate started exactly as an
 * operator starts it (server/src/main.ts through test/helpers/spawn-keygate.ts, configuration
 * by environment only; WORKERS=2 is a node:cluster primary and two workers on one port), one
 * database per run on the bench's MongoDB, accounts registered over HTTP, then sign-ins at
 * each concurrency for a fixed window.
 *
 * These processes have no IPC meter, so their CPU time is read from /proc (utime + stime of
 * the primary and all its descendants: workers, and tsx's esbuild helpers, 10 ms ticks: fine over a window of thousands of sign-ins) and
 * their peak RSS is the sum of each process's VmHWM. Off Linux those columns are n/a.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { freePort, spawnKeygate } from '../../test/helpers/spawn-keygate.js';
import { register, signIn, type Account } from './ceremony-client.js';
import { runOps, type WindowPlan } from './server-cpu.js';

const TICK_US = 10_000; // CLK_TCK 100 on Linux

/** `pid` and all its descendants (workers, and helper processes such as tsx's esbuild service). */
function tree(pid: number): number[] {
  let kids: number[] = [];
  try {
    kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  } catch {
    // ps exits 1 when there are none
  }
  return [pid, ...kids.flatMap(tree)];
}

const nodeCount = (pids: number[]) => {
  try {
    return pids.filter((p) => readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'node').length;
  } catch {
    return NaN;
  }
};

/** CPU µs (user + system) of `pids` so far, or NaN when /proc cannot tell. */
function cpuUs(pids: number[]): number {
  try {
    return pids.reduce((sum, p) => {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return sum + (Number(f[11]) + Number(f[12])) * TICK_US; // fields 14 and 15 of stat(5)
    }, 0);
  } catch {
    return NaN;
  }
}

function hwmBytes(pids: number[]): number {
  try {
    return pids.reduce((sum, p) => sum + Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? NaN) * 1024, 0);
  } catch {
    return NaN;
  }
}

export interface WorkersRow {
  workers: number;
  concurrency: number;
  n: number;
  opsPerSec: number;
  cpuUsPerOp: number;
  p50Ms: number;
  p99Ms: number;
  peakRssBytes: number;
}

export async function runWorkers(mongoUri: string, counts: number[], concurrencies: number[], plan: (c: number) => WindowPlan, warmup: number, log: (s: string) => void): Promise<WorkersRow[]> {
  const rows: WorkersRow[] = [];
  for (const workers of counts) {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const k = await spawnKeygate({
      name: `bench WORKERS=${workers}`,
      port,
      readyTimeoutMs: 60_000,
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        WORKERS: String(workers),
        RP_ID: 'localhost',
        RP_ORIGINS: origin,
        MONGODB_URI: mongoUri,
        MONGODB_DB: `keygate_bench_w${workers}_${randomBytes(4).toString('hex')}`,
        SESSION_SECRET: 'bench-session-secret-bench-session-secret',
        DATA_KEYS: `b1:${Buffer.alloc(32, 4).toString('base64')}`,
        HMAC_SECRET: 'bench-hmac-secret-bench-hmac-secret-bench!',
        RATE_LIMIT_PER_MINUTE: '10000000',
      },
    });
    try {
      const target = { base: k.url, origin };
      // Until every worker has taken connections, a warm-up hits only some of them.
      const accounts: Account[] = [];
      for (let i = 0; i < Math.max(...concurrencies); i++) accounts.push((await register(target, `bench-w-${i}`)).account);
      await runOps(warmup, 16, (w) => signIn(accounts[w]!));
      for (const c of concurrencies) {
        const p = plan(c);
        const pids = tree(k.pid);
        const cpu0 = cpuUs(pids);
        const t0 = performance.now();
        const samples = (await runOps(p.ops, c, (w) => signIn(accounts[w]!), t0 + p.budgetMs)).sort((a, b) => a - b);
        const wallMs = performance.now() - t0;
        const cpu = cpuUs(pids) - cpu0;
        const at = (q: number) => samples[Math.min(samples.length, Math.max(1, Math.ceil(q * samples.length))) - 1] ?? NaN;
        const row = { workers, concurrency: c, n: samples.length, opsPerSec: (samples.length * 1000) / wallMs, cpuUsPerOp: cpu / samples.length, p50Ms: at(0.5), p99Ms: at(0.99), peakRssBytes: hwmBytes(pids) };
        rows.push(row);
        log(`  WORKERS=${workers} (${nodeCount(pids)} node process(es), ${pids.length} in all), ${c} clients: ${row.n} sign-ins, ${row.opsPerSec.toFixed(0)}/s`);
      }
    } finally {
      await k.stop();
    }
  }
  return rows;
}
