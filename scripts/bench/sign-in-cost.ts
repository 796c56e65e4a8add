/**
 * Server CPU per sign-in and per registration, measured in a separate server process
 * (server-cpu.ts), with the floor measured the same way by the same client.
 *
 * `runFloor`: floor-child.ts; a floor sign-in is POST /options + POST /result with the bodies
 * of a real keygate sign-in (the result body is a real assertion), at each concurrency.
 *
 * `runKeygate(label, env)`: keygate-child.ts on the store `env` configures:
 *  1. registrations (ES256, attestation none, a new user each) at 16 in flight: the first
 *     max(concurrencies) become the sign-in accounts, one per client, so no two sign-ins race
 *     on one signature counter;
 *  2. seeds users (seed-users.ts: one ES256 key each, straight into the store) up to the user
 *     count, warms up, then sign-in windows at each concurrency;
 *  3. with several user counts, one child per count, their windows interleaved (runKeygate).
 * Every window reports server CPU µs per op, ops/s, p50/p99 of the HTTP round trips, store
 * calls per op (metered-store.ts, in the child) and the server's RSS.
 */
import { randomBytes } from 'node:crypto';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator.js';
import { register, signIn, type Account } from './ceremony-client.js';
import { HttpClient } from './http-client.js';
import { cpuWindow, mergeWindows, runOps, startChild, type BenchChild, type WindowPlan, type WindowResult } from './server-cpu.js';

export interface CostPlans {
  userCounts: number[];
  concurrencies: number[];
  warmup: number;
  /** Upper bound on each warm-up's wall time (a loaded machine must not stretch --quick). */
  warmupMs: number;
  /** The sign-in window at `concurrency` clients. */
  signIn: (concurrency: number) => WindowPlan;
  registration: WindowPlan;
  floor: (concurrency: number) => WindowPlan;
}

export interface CostRow {
  store: string;
  users?: number;
  op: 'sign-in' | 'registration';
  r: WindowResult;
}

/** The floor (bench/floor-child.ts) on bare `node:http`, or (`express`) the same two routes on Express 5: rows `floor` / `express floor`. */
export async function runFloor(plans: CostPlans, log: (s: string) => void, stack: 'bare' | 'express' = 'bare'): Promise<CostRow[]> {
  const child = await startChild('floor-child.ts', stack === 'express' ? { FLOOR_STACK: 'express' } : {});
  const label = stack === 'express' ? 'express floor' : 'floor';
  try {
    const auth = new SoftAuthenticator({ rpId: 'localhost', origin: child.origin });
    const { credential } = await auth.createCredential({ challenge: randomBytes(32).toString('base64url'), alg: -7, attestation: 'none' });
    const assertion = await auth.getAssertion({ challenge: randomBytes(32).toString('base64url'), credentialId: credential.id });
    const clients = Array.from({ length: Math.max(...plans.concurrencies) }, () => new HttpClient(child.base, child.origin));
    const op = async (w: number) => {
      const t0 = performance.now();
      await clients[w]!.post('/options', { username: 'bench-floor-user', userVerification: 'preferred' });
      await clients[w]!.post('/result', assertion);
      return performance.now() - t0;
    };
    await runOps(plans.warmup * 2, 16, op, performance.now() + plans.warmupMs);
    const rows: CostRow[] = [];
    for (const c of plans.concurrencies) {
      const r = await cpuWindow(child, plans.floor(c), op);
      rows.push({ store: label, op: 'sign-in', r });
      log(`  ${label}, ${c} client(s): ${r.n} sign-ins, ${r.cpuUsPerOp.toFixed(0)} µs server CPU each`);
    }
    return rows;
  } finally {
    await child.close();
  }
}

export interface KeygateRun {
  rows: CostRow[];
  /** Store calls (and awaited ms) per op by method: registrations, and the 1-client sign-in window at each user count. */
  breakdown: { op: string; byMethod: [string, number, number][]; n: number }[];
  notes: string[];
}

/** One keygate child with its sign-in accounts, seeded to `users`. */
interface Side {
  child: BenchChild;
  accounts: Account[];
  users: number;
}

/**
 * Starts a keygate child, registers the sign-in accounts (the first child measures the
 * registration window on the way), seeds users up to `users` and warms up.
 */
async function prepareSide(label: string, env: Record<string, string>, plans: CostPlans, users: number, measureRegistration: boolean, out: KeygateRun, log: (s: string) => void): Promise<Side> {
  const child = await startChild('keygate-child.ts', env);
  try {
    const tag = randomBytes(3).toString('hex');
    const accounts: Account[] = [];
    const regOp = async (_w: number, i: number) => {
      const { account, ms } = await register(child, `bench-${tag}-${i}`);
      accounts.push(account);
      return ms;
    };
    await runOps(8, 1, (w, i) => regOp(w, 100_000 + i), performance.now() + plans.warmupMs); // warm-up, untimed
    if (measureRegistration) {
      const reg = await cpuWindow(child, plans.registration, regOp);
      out.rows.push({ store: label, op: 'registration', r: reg });
      if (reg.byMethod) out.breakdown.push({ op: 'registration', byMethod: reg.byMethod, n: reg.n });
      log(`  ${label}: ${reg.n} registrations, ${reg.cpuUsPerOp.toFixed(0)} µs server CPU each`);
    }
    const need = Math.max(...plans.concurrencies);
    for (let tries = 0; accounts.length < need; tries++) {
      try {
        await regOp(0, 200_000 + tries);
      } catch (err) {
        if (tries >= need + 5) throw err; // not noise any more: keygate cannot register
      }
    }
    if (users > accounts.length) {
      const s = await child.request<{ ms: number; via: string }>({ type: 'seed', count: users - accounts.length });
      out.notes.push(`${label}: seeded ${users - accounts.length} users up to ${users} in ${(s.ms / 1000).toFixed(1)} s (${s.via})`);
      log(`  ${label}: seeded ${users - accounts.length} users in ${(s.ms / 1000).toFixed(1)} s (${s.via})`);
    }
    await runOps(plans.warmup, 16, (w) => signIn(accounts[w]!), performance.now() + plans.warmupMs);
    return { child, accounts, users: Math.max(users, accounts.length) };
  } catch (err) {
    await child.close();
    throw err;
  }
}

/**
 * keygate on one store. With one user count: one child, its windows one after the other.
 * With several (the full run's 1 000 and 100 000): one child per user count, all alive, and
 * each concurrency's window split in two halves taken in turn (1k, 100k, 1k, 100k), so that
 * the flatness ratio compares windows taken under the same machine load (this machine's
 * figures drift by 10 to 30% within a run) rather than a minute apart.
 */
export async function runKeygate(label: string, env: Record<string, string>, plans: CostPlans, log: (s: string) => void): Promise<KeygateRun> {
  const out: KeygateRun = { rows: [], breakdown: [], notes: [] };
  const sides: Side[] = [];
  try {
    for (const [k, users] of plans.userCounts.entries()) {
      // A database of its own per child on MongoDB (the same server).
      const childEnv = k > 0 && env.MONGODB_DB ? { ...env, MONGODB_DB: `${env.MONGODB_DB}_${users}` } : env;
      sides.push(await prepareSide(label, childEnv, plans, users, k === 0, out, log));
    }
    const halves = sides.length > 1 ? 2 : 1;
    const results = sides.map(() => [] as WindowResult[]);
    for (const c of plans.concurrencies) {
      const plan = plans.signIn(c);
      const part = { ...plan, ops: Math.ceil(plan.ops / halves), budgetMs: plan.budgetMs / halves };
      const parts = sides.map(() => [] as WindowResult[]);
      for (let h = 0; h < halves; h++) {
        for (const [i, side] of sides.entries()) parts[i]!.push(await cpuWindow(side.child, part, (w) => signIn(side.accounts[w]!)));
      }
      for (const [i, side] of sides.entries()) {
        const r = mergeWindows(parts[i]!);
        results[i]!.push(r);
        log(`  ${label}, ${side.users} users, ${c} client(s): ${r.n} sign-ins, ${r.cpuUsPerOp.toFixed(0)} µs server CPU each${r.errors ? `; ${r.errors} FAILED (${r.firstError})` : ''}`);
      }
    }
    for (const [i, side] of sides.entries()) {
      for (const r of results[i]!) {
        out.rows.push({ store: label, users: side.users, op: 'sign-in', r });
        if (r.concurrency === plans.concurrencies[0] && r.byMethod) out.breakdown.push({ op: `sign-in, ${side.users.toLocaleString('en-US')} users, ${r.concurrency} client`, byMethod: r.byMethod, n: r.n });
      }
    }
    return out;
  } finally {
    await Promise.all(sides.map((s) => s.child.close()));
  }
}
