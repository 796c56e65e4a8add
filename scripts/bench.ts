/**
 * keygate benchmark: prints figures and ratios, asserts nothing.
 *
 *   npm run bench                 full run (about 30-45 s on 2 cores)
 *   npm run bench -- --quick      a few iterations per case (smoke test, a few seconds)
 *   npm run bench -- --no-mongo   skip the MongoDB suite
 *
 * Cases (each: warm-up, then a fixed iteration count, capped by a per-case time budget):
 *  1. pure verification, in-process: verifyAuthentication ES256/EdDSA/RS256 (lean path,
 *     library path, and one bare crypto.verify of the same signature: the assertion figure)
 *     and verifyRegistration none/packed-self/packed-full/fido-u2f (scripts/bench/pure-verify.ts);
 *  2. full HTTP ceremonies through a listening keygate on 127.0.0.1 (global fetch + cookie
 *     jar): registration and sign-in, on the memory store and on MongoDB (the in-memory Java
 *     test server, skipped with a printed reason if it cannot start) (http-ceremonies.ts);
 *  3. 16 sign-ins in flight on each store -> throughput.
 * Nothing leaves the machine: fetch is restricted to loopback (bench/local-only.ts). A
 * watchdog ends the run if it ever exceeds its overall time bound.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createMemoryStore } from '../server/src/storage/memory/memory-store.js';
import { runHttpSuite, type HttpPlans } from './bench/http-ceremonies.js';
import { fetchLoopbackOnly, openBenchMongo } from './bench/local-only.js';
import { formatAssertionFloor, runPureVerify } from './bench/pure-verify.js';
import { formatRatios, formatTable, type RatioSpec } from './bench/report.js';
import type { Plan, Result } from './bench/stats.js';

const USAGE = 'usage: npm run bench [-- --quick] [--no-mongo]';
const log = (s: string) => console.log(s);
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

function plans(quick: boolean) {
  const p = (warmup: number, iterations: number, budgetMs: number): Plan => ({ warmup, iterations, budgetMs });
  if (quick) {
    const http: HttpPlans = { floor: p(10, 50, 1000), register: p(3, 20, 1500), signIn: p(5, 30, 1500), concurrent: { ...p(16, 96, 2000), concurrency: 16 } };
    return { pure: p(5, 30, 1000), assertion: p(50, 300, 400), memory: http, mongo: http, watchdogMs: 40_000 };
  }
  return {
    pure: p(50, 500, 5000),
    assertion: p(300, 3000, 1500),
    memory: { floor: p(100, 1000, 2500), register: p(30, 300, 5000), signIn: p(50, 500, 5000), concurrent: { ...p(64, 1600, 6000), concurrency: 16 } },
    mongo: { floor: p(50, 300, 1500), register: p(20, 200, 5000), signIn: p(30, 300, 5000), concurrent: { ...p(32, 800, 5000), concurrency: 16 } },
    watchdogMs: 58_000,
  };
}

const RATIOS: RatioSpec[] = [
  { label: 'lean / bare crypto.verify ES256 (target <= 1.5x)', a: ['pure', 'verifyAuthentication ES256'], b: ['pure', 'crypto.verify ES256 (bare)'] },
  { label: 'library path / bare crypto.verify ES256', a: ['pure', 'verifyAuthentication ES256 (library path)'], b: ['pure', 'crypto.verify ES256 (bare)'] },
  { label: 'EdDSA / ES256 verifyAuthentication', a: ['pure', 'verifyAuthentication EdDSA'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'RS256 / ES256 verifyAuthentication', a: ['pure', 'verifyAuthentication RS256'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'packed-self / none verifyRegistration', a: ['pure', 'verifyRegistration packed-self'], b: ['pure', 'verifyRegistration none'] },
  { label: 'packed-full / none verifyRegistration', a: ['pure', 'verifyRegistration packed-full'], b: ['pure', 'verifyRegistration none'] },
  { label: 'fido-u2f / none verifyRegistration', a: ['pure', 'verifyRegistration fido-u2f'], b: ['pure', 'verifyRegistration none'] },
  { label: 'verifyRegistration none / verifyAuthentication ES256', a: ['pure', 'verifyRegistration none'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'HTTP sign-in / pure ES256 verify (memory)', a: ['http memory', 'sign-in'], b: ['pure', 'verifyAuthentication ES256'] },
  { label: 'pure ES256 verify share of HTTP sign-in (memory)', a: ['pure', 'verifyAuthentication ES256'], b: ['http memory', 'sign-in'], kind: 'share' },
  { label: 'HTTP registration / pure none verify (memory)', a: ['http memory', 'registration'], b: ['pure', 'verifyRegistration none'] },
  { label: 'HTTP sign-in / GET /healthz floor (memory)', a: ['http memory', 'sign-in'], b: ['http memory', 'GET /healthz (floor)'] },
  { label: 'assertion/result / assertion/options (memory)', a: ['http memory', '  sign-in: assertion/result'], b: ['http memory', '  sign-in: assertion/options'] },
  { label: 'HTTP registration / HTTP sign-in (memory)', a: ['http memory', 'registration'], b: ['http memory', 'sign-in'] },
  { label: 'mongo / memory sign-in', a: ['http mongo', 'sign-in'], b: ['http memory', 'sign-in'] },
  { label: 'mongo / memory registration', a: ['http mongo', 'registration'], b: ['http memory', 'registration'] },
  { label: 'mongo / memory GET /healthz', a: ['http mongo', 'GET /healthz (floor)'], b: ['http memory', 'GET /healthz (floor)'] },
  { label: 'concurrent / serial sign-in (memory)', a: ['http memory', 'sign-in concurrent'], b: ['http memory', 'sign-in'], kind: 'throughput' },
  { label: 'concurrent / serial sign-in (mongo)', a: ['http mongo', 'sign-in concurrent'], b: ['http mongo', 'sign-in'], kind: 'throughput' },
  { label: 'concurrent sign-in mongo / memory', a: ['http mongo', 'sign-in concurrent'], b: ['http memory', 'sign-in concurrent'], kind: 'throughput' },
];

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--quick' && a !== '--no-mongo');
  if (unknown.length > 0) {
    console.error(unknown.includes('--help') || unknown.includes('-h') ? USAGE : `unknown argument ${unknown[0]}\n${USAGE}`);
    return 2;
  }
  const quick = argv.includes('--quick');
  const plan = plans(quick);
  const results: Result[] = [];
  const breakdowns: string[] = [];
  const skipped: string[] = [];
  const started = performance.now();
  const watchdog = setTimeout(() => {
    console.error(`\nbench: exceeded its ${plan.watchdogMs / 1000} s bound; partial results:\n`);
    console.log(formatTable(results));
    process.exit(3);
  }, plan.watchdogMs);
  watchdog.unref();
  const refused = fetchLoopbackOnly();

  log(`keygate bench (${quick ? 'quick' : 'full'}) - node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} cpu(s): ${os.cpus()[0]?.model ?? '?'}`);
  log(`load average ${loadavg()} at start (above the cpu count, other processes compete for the cores: expect noisy figures)`);
  log('latencies in ms; serial cases: ops/s = 1000 / mean; concurrent: completed / wall time.\n');

  log('[1/3] pure verification (fixtures generated before timing)');
  results.push(...(await runPureVerify(plan.pure, plan.assertion, log)));

  log('[2/3] HTTP ceremonies, memory store (+ [3/3] 16 sign-ins in flight)');
  const memory = createMemoryStore();
  const mem = await runHttpSuite('memory', memory, plan.memory, log);
  results.push(...mem.results);
  breakdowns.push('memory store, per sign-in:', ...mem.storeBreakdown);
  await memory.close();

  if (argv.includes('--no-mongo')) {
    skipped.push('MongoDB suite: --no-mongo');
  } else {
    const t0 = performance.now();
    const mongo = await openBenchMongo();
    if ('skipped' in mongo) {
      skipped.push(`MongoDB suite: ${mongo.skipped}`);
      log(`[2/3] MongoDB SKIPPED: ${mongo.skipped}`);
    } else {
      log(`[2/3] HTTP ceremonies, MongoDB store: ${mongo.where} (ready in ${(performance.now() - t0).toFixed(0)} ms)`);
      try {
        const m = await runHttpSuite('mongo', mongo.store, plan.mongo, log);
        results.push(...m.results);
        breakdowns.push('mongo store, per sign-in:', ...m.storeBreakdown);
      } finally {
        await mongo.close();
      }
    }
  }

  log(`\n${formatTable(results)}\n`);
  log('ratios (mean latency unless marked; >1x = slower / more):');
  log(formatRatios(results, RATIOS));
  log('\npure assertion verification, µs per verification (mean; p50), same signatures:');
  log(formatAssertionFloor(results));
  log('\nwhere a serial HTTP sign-in waits on the store (awaited time per call site):');
  log(breakdowns.join('\n'));
  for (const s of skipped) log(`\nSKIPPED ${s}`);
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
