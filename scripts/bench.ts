/**
 * keygate benchmark: prints figures and ratios, asserts nothing (never a timed test).
 *
 *   npm run bench                 full run (several minutes: seeds 100 000 users per store)
 *   npm run bench -- --quick      CI smoke run (about 20 s): 1 000 users, 1 and 16 clients, no WORKERS runs
 *   npm run bench -- --no-mongo   skip everything on MongoDB
 *
 * Parts:
 *  1. pure verification, in-process (scripts/bench/pure-verify.ts): keygate's assertion
 *     verification against one bare crypto.verify of the same signature, and registrations;
 *  2. the floor, in a CHILD process (bench/floor-child.ts): 2 requests to a bare node:http
 *     server reading and answering JSON + 1 ECDSA P-256 crypto.verify, per "sign-in";
 *  3. keygate in a CHILD process (bench/keygate-child.ts, built like main.ts) on the memory
 *     store and on MongoDB: server CPU per registration and per sign-in (process.cpuUsage()
 *     deltas the child reports over IPC for each measured window), sign-ins/s, p50/p99, store
 *     round trips, RSS; with 1 000 and (full run) 100 000 registered users, at 1, 16 and (full)
 *     64 clients (bench/sign-in-cost.ts; in the full run one child per user count, their
 *     windows interleaved, so flatness compares windows taken under the same machine load);
 *  4. (full run) WORKERS=1 vs WORKERS=2 on MongoDB: real `server/src/main.ts` processes
 *     (bench/workers-bench.ts).
 * The client (this process: HTTP client, software authenticator) shares the machine's cores
 * with the servers; its CPU is never counted as the server's. Nothing leaves the machine:
 * fetch is restricted to loopback (bench/local-only.ts). A watchdog ends a run that exceeds its
 * overall time bound, printing what it has.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { formatBreakdown, formatCostTable, formatFlatness, formatHeadline, formatWorkers } from './bench/cost-report.js';
import { runDriverFloor, type DriverFloor } from './bench/driver-floor.js';
import { benchDbName, fetchLoopbackOnly, startBenchMongo } from './bench/local-only.js';
import { formatAssertionFloor, runPureVerify } from './bench/pure-verify.js';
import { formatRatios, formatTable, type RatioSpec } from './bench/report.js';
import type { WindowPlan } from './bench/server-cpu.js';
import { runFloor, runKeygate, type CostPlans, type CostRow, type KeygateRun } from './bench/sign-in-cost.js';
import type { Plan, Result } from './bench/stats.js';
import { runWorkers, type WorkersRow } from './bench/workers-bench.js';

const USAGE = 'usage: npm run bench [-- --quick] [--no-mongo]';
const t0 = performance.now();
const log = (s: string) => console.log(/^\[\d\/\d\]/.test(s) ? `${s} (at ${((performance.now() - t0) / 1000).toFixed(1)} s)` : s);
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
const HEADLINE_CLIENTS = 16;

function plans(quick: boolean) {
  const p = (warmup: number, iterations: number, budgetMs: number): Plan => ({ warmup, iterations, budgetMs });
  const w = (ops: number, budgetMs: number, concurrency: number): WindowPlan => ({ ops, budgetMs, concurrency });
  if (quick) {
    const cost: CostPlans = {
      userCounts: [1000],
      concurrencies: [1, HEADLINE_CLIENTS],
      warmup: 40,
      warmupMs: 1000,
      signIn: (c) => (c === 1 ? w(40, 600, 1) : w(200, 1000, c)),
      registration: w(24, 1000, 16),
      floor: (c) => (c === 1 ? w(150, 400, 1) : w(600, 600, c)),
    };
    return { pure: p(5, 20, 400), assertion: p(50, 300, 250), cost, mongoCost: cost, workers: null, watchdogMs: 120_000 };
  }
  const cost: CostPlans = {
    userCounts: [1000, 100_000],
    concurrencies: [1, HEADLINE_CLIENTS, 64],
    warmup: 300,
    warmupMs: 20_000,
    signIn: (c) => (c === 1 ? w(500, 4000, 1) : w(3000, 6000, c)),
    registration: w(256, 8000, 16),
    floor: (c) => (c === 1 ? w(2000, 3000, 1) : w(8000, 4000, c)),
  };
  return {
    pure: p(50, 500, 5000),
    assertion: p(300, 3000, 1500),
    cost,
    mongoCost: { ...cost, signIn: (c: number) => (c === 1 ? w(300, 4000, 1) : w(2000, 6000, c)) },
    workers: { counts: [1, 2], concurrencies: [HEADLINE_CLIENTS, 64], plan: (c: number) => w(3000, 6000, c), warmup: 300 },
    watchdogMs: 30 * 60_000,
  };
}

const RATIOS: RatioSpec[] = [
  { label: 'lean / bare crypto.verify ES256 (target <= 1.5x)', a: ['pure', 'verifyAuthentication ES256'], b: ['pure', 'crypto.verify ES256 (bare)'] },
  { label: 'library path / bare crypto.verify ES256', a: ['pure', 'verifyAuthentication ES256 (library path)'], b: ['pure', 'crypto.verify ES256 (bare)'] },
  { label: 'EdDSA / ES256 verifyAuthentication', a: ['pure', 'verifyAuthentication EdDSA'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'RS256 / ES256 verifyAuthentication', a: ['pure', 'verifyAuthentication RS256'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'packed-full / none verifyRegistration', a: ['pure', 'verifyRegistration packed-full'], b: ['pure', 'verifyRegistration none'] },
  { label: 'verifyRegistration none / verifyAuthentication ES256', a: ['pure', 'verifyRegistration none'], b: ['pure', 'verifyAuthentication ES256'] },
];

function machine(): string {
  let model = os.cpus()[0]?.model ?? '?';
  let nproc = String(os.availableParallelism?.() ?? os.cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // not on this system: os.availableParallelism
  }
  model = model.replace(/\s+/g, ' ').trim();
  return `nproc ${nproc}, ${os.cpus().length} cpu(s): ${model}; node ${process.version}; ${os.platform()} ${os.arch()}; ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`;
}

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--quick' && a !== '--no-mongo');
  if (unknown.length > 0) {
    console.error(unknown.includes('--help') || unknown.includes('-h') ? USAGE : `unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const quick = argv.includes('--quick');
  const plan = plans(quick);
  const pure: Result[] = [];
  const cost: CostRow[] = [];
  const breakdowns: string[] = [];
  const notes: string[] = [];
  let workers: WorkersRow[] = [];
  let driverFloor: DriverFloor | undefined;
  const skipped: string[] = [];
  const started = performance.now();
  const report = () => {
    if (pure.length) {
      log(`\npure verification, in-process (latency ms):\n${formatTable(pure)}`);
      log('\nratios (mean latency; >1x = slower):');
      log(formatRatios(pure, RATIOS));
      log('\npure assertion verification, µs per verification (mean; p50), same signatures:');
      log(formatAssertionFloor(pure));
    }
    if (cost.length) {
      log('\nserver CPU per op, measured in the server process (user + system; client excluded); latency = the HTTP round trips of the op; * = window capped by its time budget:');
      log(formatCostTable(cost));
      log(`\nheadline (${HEADLINE_CLIENTS} clients; targets from issue 9, printed, never asserted):`);
      log(formatHeadline(cost, HEADLINE_CLIENTS, driverFloor).join('\n'));
      const flat = formatFlatness(cost, 1000, 100_000);
      log('\nflatness: server CPU per sign-in with 100,000 registered users / with 1,000 (target <= 1.2x):');
      log(flat.length ? flat.join('\n') : quick ? '  skipped in --quick (100,000-user seeding runs in the full run only)' : '  n/a (did not run)');
    }
    if (workers.length) {
      log('\nmore cores: WORKERS=1 vs WORKERS=2 on MongoDB (real main.ts processes; CPU and RSS from /proc):');
      log(formatWorkers(workers));
    } else if (quick) log('\nmore cores: WORKERS runs skipped in --quick (full run only)');
    if (breakdowns.length) log(`\nstore round trips per op, by method (first sign-in window and registrations):\n${breakdowns.join('\n')}`);
    for (const n of notes) log(`note: ${n}`);
    for (const s of skipped) log(`SKIPPED ${s}`);
  };
  const watchdog = setTimeout(() => {
    console.error(`\nbench: exceeded its ${plan.watchdogMs / 1000} s bound; partial results:`);
    report();
    process.exit(3);
  }, plan.watchdogMs);
  watchdog.unref();
  const refused = fetchLoopbackOnly();

  log(`keygate bench (${quick ? 'quick' : 'full'}): ${machine()}`);
  log(`load average ${loadavg()} at start (above the cpu count, other processes compete for the cores: expect noisy figures)\n`);

  log('[1/4] pure verification (fixtures generated before timing)');
  pure.push(...(await runPureVerify(plan.pure, plan.assertion, () => {})));
  log(`  ${pure.length} cases`);

  log('[2/4] the floor: bare node:http + 1 crypto.verify, in a child process');
  cost.push(...(await runFloor(plan.cost, log)));
  log('  the same two routes on Express 5 (express.json + res.json): the floor of the chosen stack');
  cost.push(...(await runFloor(plan.cost, log, 'express')));

  const keygateEnv = { NODE_ENV: 'test', RP_ID: 'localhost', SESSION_SECRET: 'bench-session-secret-bench-session-secret', RATE_LIMIT_PER_MINUTE: '10000000', LOG_LEVEL: 'warn' };
  const take = (label: string, r: KeygateRun) => {
    cost.push(...r.rows);
    notes.push(...r.notes);
    if (r.breakdown.length) breakdowns.push(`${label}:`, ...formatBreakdown(r.breakdown));
  };
  log(`[3/4] keygate in a child process, memory store (${quick ? '1,000 users; 100,000 in the full run only' : '1,000 then 100,000 users'})`);
  take('memory', await runKeygate('memory', keygateEnv, plan.cost, log));

  if (argv.includes('--no-mongo')) skipped.push('MongoDB: --no-mongo');
  else {
    const t0 = performance.now();
    const mongo = await startBenchMongo();
    if ('skipped' in mongo) {
      skipped.push(`MongoDB: ${mongo.skipped}`);
      log(`[3/4] MongoDB SKIPPED: ${mongo.skipped}`);
    } else {
      log(`[3/4] keygate in a child process, MongoDB store (${quick ? '1,000 users' : '1,000 then 100,000 users'}): ${mongo.where} (ready in ${(performance.now() - t0).toFixed(0)} ms)`);
      try {
        const env = {
          ...keygateEnv,
          MONGODB_URI: mongo.uri,
          MONGODB_DB: benchDbName('cost'),
          DATA_KEYS: `b1:${Buffer.alloc(32, 4).toString('base64')}`,
          HMAC_SECRET: 'bench-hmac-secret-bench-hmac-secret-bench!',
        };
        take('mongo', await runKeygate('mongo', env, plan.mongoCost, log));
        driverFloor = await runDriverFloor(mongo.uri, { ops: quick ? 1000 : 5000, concurrency: HEADLINE_CLIENTS, budgetMs: quick ? 1000 : 5000 });
        log(`  the driver alone (in this process): ${driverFloor.byCommand.map((c) => `${c.name} ${c.usPerCommand.toFixed(0)} µs CPU per command (${c.n})`).join(', ')}`);
        if (plan.workers) {
          log('[4/4] WORKERS=1 and WORKERS=2 on MongoDB (server/src/main.ts)');
          workers = await runWorkers(mongo.uri, plan.workers.counts, plan.workers.concurrencies, plan.workers.plan, plan.workers.warmup, log);
        }
      } finally {
        await mongo.stop();
      }
    }
  }
  report();
  if (refused.length) log(`\nrefused non-loopback fetches: ${refused.join(', ')}`);
  log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()} at end`);
  clearTimeout(watchdog);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exitCode = 1;
  },
);
