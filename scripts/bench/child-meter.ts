/**
 * The measuring half that runs INSIDE a benchmark child server (keygate-child.ts,
 * floor-child.ts), over the child's IPC channel only (never an HTTP route, never in
 * keygate's production code). The parent sends `{ id, type: 'window-start' }` and later
 * `{ id, type: 'window-stop' }`; the child answers `{ id, ... }`:
 *  - window-start: a full GC (garbage of seeding or of an earlier window is not charged to
 *    this one), then the process's CPU time (`process.cpuUsage()`) and the store meter reset;
 *  - window-stop: user + system CPU µs spent since the start, wall ms, RSS sampled every 25 ms
 *    during the window (peak) and now, the process's lifetime peak RSS (`resourceUsage().maxRSS`),
 *    and, for keygate, store calls (total and per `port.method`) made in the window.
 * Other message types go to `extra` (e.g. keygate's `seed`). The child exits when the
 * parent goes away (IPC disconnect), so no benchmark server outlives the bench.
 */
import type { StoreMeter } from './metered-store.js';
import { gc } from './stats.js';

export interface WindowReport {
  cpuUserUs: number;
  cpuSystemUs: number;
  wallMs: number;
  peakRssBytes: number;
  rssBytes: number;
  maxRssBytes: number;
  storeCalls?: number;
  /** MongoDB: driver commands sent in the window (StoreMeter.commands). */
  storeCommands?: number;
  /** Per `port.method`: calls, and ms spent awaiting them (summed; overlapping when concurrent). */
  byMethod?: [string, number, number][];
}



export type Extra = (msg: Record<string, unknown>) => Promise<Record<string, unknown>>;

export function serveChildMeter(o: { meter?: StoreMeter; extra?: Extra }): void {
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let peak = 0;
  let sampler: NodeJS.Timeout | undefined;
  const reply = (id: unknown, body: Record<string, unknown>) => process.send?.({ id, ...body });
  process.on('message', (raw) => {
    const msg = raw as { id: unknown; type: string } & Record<string, unknown>;
    if (msg.type === 'window-start') {
      gc?.();
      o.meter?.reset();
      peak = process.memoryUsage.rss();
      clearInterval(sampler);
      sampler = setInterval(() => void (peak = Math.max(peak, process.memoryUsage.rss())), 25);
      sampler.unref();
      t0 = performance.now();
      cpu0 = process.cpuUsage();
      reply(msg.id, { ok: true });
    } else if (msg.type === 'window-stop') {
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      clearInterval(sampler);
      const rss = process.memoryUsage.rss();
      const report: WindowReport = {
        cpuUserUs: cpu.user,
        cpuSystemUs: cpu.system,
        wallMs,
        peakRssBytes: Math.max(peak, rss),
        rssBytes: rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        ...(o.meter?.commands !== undefined ? { storeCommands: o.meter.commands } : {}),
        ...(o.meter ? { storeCalls: o.meter.calls, byMethod: [...o.meter.byMethod].map(([k, v]) => [k, v.calls, v.ms] as [string, number, number]) } : {}),
      };
      reply(msg.id, { ...report });
    } else if (o.extra) {
      o.extra(msg).then(
        (body) => reply(msg.id, body),
        (err: unknown) => reply(msg.id, { error: (err as Error).stack ?? String(err) }),
      );
    } else {
      reply(msg.id, { error: `unknown message ${msg.type}` });
    }
  });
  process.on('disconnect', () => process.exit(0));
  // A normal exit on SIGTERM (the parent's close), so that --cpu-prof (BENCH_CPU_PROF) writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}
