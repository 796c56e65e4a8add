/**
 * Full WebAuthn ceremonies over HTTP against a listening keygate (keygate-server.ts), driven
 * by ceremony-client.ts, one suite per store: a GET /healthz floor, registration
 * (attestation/options + result) and username sign-in (assertion/options + result)
 * serially, then N sign-ins in flight.
 *
 * Counted time is the two HTTP round trips only; the software authenticator's work between
 * them (key generation, signing) is client-side and left out, though it still runs on the
 * same two cores and event loop as the server. Registrations are ES256 with attestation
 * `none` (a typical passkey); each uses a fresh user and cookie jar. Sign-ins reuse users
 * registered beforehand; concurrent workers each own one user, so no two ops race on a
 * signature counter. The store is wrapped by metered-store.ts, and serial rows note how many
 * store calls an op made and how much of its time was spent awaiting them.
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../../server/src/storage/ports.js';
import { register, signIn, timed, type Account, type Phase } from './ceremony-client.js';
import { HttpClient } from './http-client.js';
import { startBenchServer } from './keygate-server.js';
import { meteredStore, type StoreMeter } from './metered-store.js';
import { measure, measureConcurrent, summarize, type Plan, type Result } from './stats.js';

/** "store 3.0 calls, 1.234 ms/op (40%)" from per-op phases. */
function storeNote(phases: Phase[]): string {
  const sum = (f: (p: Phase) => number) => phases.reduce((acc, p) => acc + f(p), 0);
  const ms = sum((p) => p.storeMs);
  return `store ${(sum((p) => p.storeCalls) / phases.length).toFixed(1)} calls, ${(ms / phases.length).toFixed(3)} ms/op (${((ms / sum((p) => p.ms)) * 100).toFixed(0)}%)`;
}

export interface HttpPlans {
  floor: Plan;
  register: Plan;
  signIn: Plan;
  /** Omit to skip the concurrent run for this store. */
  concurrent?: Plan & { concurrency: number };
}

/** "  users.findByUsername  1.0 calls  0.123 ms" per store method, per timed sign-in. */
function perMethod(meter: StoreMeter, ops: number): string[] {
  const rows = [...meter.byMethod].sort((a, b) => b[1].ms - a[1].ms);
  const w = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${(v.calls / ops).toFixed(1)} calls  ${(v.ms / ops).toFixed(3)} ms`);
}

/**
 * Runs the HTTP suite on `store` (labelled `label`); closes the server, not the store.
 * `storeBreakdown`: store time per method during the timed serial sign-ins.
 */
export async function runHttpSuite(label: string, inner: Store, plans: HttpPlans, log: (s: string) => void): Promise<{ results: Result[]; storeBreakdown: string[] }> {
  const { store, meter } = meteredStore(inner);
  const server = await startBenchServer(store);
  const group = `http ${label}`;
  const tag = randomBytes(3).toString('hex');
  const results: Result[] = [];
  const push = (r: Result) => {
    results.push(r);
    log(`  ${group} ${r.name}: ${r.n} ops`);
  };
  const add = (name: string, phases: Phase[]) => {
    if (phases.length) push(summarize(group, name, phases.map((p) => p.ms), undefined, storeNote(phases)));
  };
  try {
    const probe = new HttpClient(server.base, server.origin);
    push(await measure(group, 'GET /healthz (floor)', plans.floor, () => probe.get('/healthz').then(() => undefined)));

    const regs: Phase[] = [];
    const reg = await measure(group, 'registration', plans.register, async (i) => {
      const [{ httpMs }, p] = await timed(meter, () => register(server, `bench-${tag}-r${i}`));
      if (i >= plans.register.warmup) regs.push({ ...p, ms: httpMs });
      return httpMs;
    });
    push({ ...reg, note: [storeNote(regs), reg.note].filter(Boolean).join('; ') });

    const { account } = await register(server, `bench-${tag}-signin`);
    const opts: Phase[] = [];
    const ress: Phase[] = [];
    let storeBreakdown: string[] = [];
    const sign = await measure(group, 'sign-in', plans.signIn, async (i) => {
      if (i === plans.signIn.warmup) meter.reset();
      const p = await signIn(account, meter);
      if (i >= plans.signIn.warmup) {
        opts.push(p.options);
        ress.push(p.result);
      }
      return p.options.ms + p.result.ms;
    });
    const both = opts.map((o, k) => ({ ms: o.ms + ress[k].ms, storeCalls: o.storeCalls + ress[k].storeCalls, storeMs: o.storeMs + ress[k].storeMs }));
    if (both.length) push({ ...sign, note: [storeNote(both), sign.note].filter(Boolean).join('; ') });
    else push(sign);
    add('  sign-in: assertion/options', opts);
    add('  sign-in: assertion/result', ress);
    if (ress.length) storeBreakdown = perMethod(meter, ress.length);

    if (plans.concurrent) {
      const c = plans.concurrent;
      const workers: Account[] = [];
      for (let w = 0; w < c.concurrency; w++) workers.push((await register(server, `bench-${tag}-c${w}`)).account);
      push(await measureConcurrent(group, 'sign-in concurrent', c, (w) => signIn(workers[w], meter)));
    }
    return { results, storeBreakdown };
  } finally {
    await server.close();
  }
}
