import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/config-schema.js';
import type { Logger } from './lib/logger.js';

/** A worker that ran at least this long before exiting resets the re-fork backoff. */
const STABLE_MS = 10_000;
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** This many workers in a row exiting before they ever listened: the primary gives up (exit 1). */
const GIVE_UP_AFTER = 5;

/**
 * The node:cluster primary for WORKERS=N > 1 (main.ts). It opens no store and serves nothing:
 *  - forks `config.workers` workers; each runs main.ts as a worker (loads the same config,
 *    opens its own store connection, builds the app) and listens on PORT (and METRICS_PORT),
 *    which cluster shares between them (connections are handed out round-robin);
 *  - a secret that was generated (development: SESSION_SECRET) is generated once here and
 *    handed to every worker, so all workers read each other's cookies;
 *  - a worker that exits while keygate is not shutting down is logged and re-forked, after a
 *    backoff that doubles (250 ms up to 30 s) while workers keep dying within 10 s of their
 *    start; if GIVE_UP_AFTER workers in a row exit before listening (a port that is taken, a
 *    store that refuses), the primary stops them all and exits 1 instead of looping;
 *  - SIGTERM/SIGINT: no more re-forks, SIGTERM to every worker (each drains its in-flight
 *    requests and closes its store, main.ts), SIGKILL to any still running after
 *    `graceMs` + 2 s; exits 0 when every worker exited 0, otherwise 1.
 */
export function runPrimary(config: Config, logger: Logger, graceMs: number): void {
  const env: Record<string, string> = config.sessionSecretGenerated ? { SESSION_SECRET: config.sessionSecret } : {};
  for (const name of config.generatedSecrets) {
    logger.warn(`${name} is not set: generated a random one for this run, shared by its ${config.workers} workers; it is lost when keygate restarts.`);
  }
  const started = new Map<number, { at: number; listening: boolean }>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let failures = 0;
  let earlyExits = 0;
  let worstExit = 0;

  const fork = (): Worker => {
    const w = cluster.fork(env);
    started.set(w.id, { at: Date.now(), listening: false });
    w.once('listening', () => {
      const s = started.get(w.id);
      if (s) s.listening = true;
      earlyExits = 0;
    });
    w.once('exit', (code, signal) => onExit(w, code, signal));
    return w;
  };

  const live = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());

  const onExit = (w: Worker, code: number | null, signal: string | null) => {
    const s = started.get(w.id);
    started.delete(w.id);
    if (stopping) {
      // SIGTERM as the cause: one still starting, killed by our own signal before main.ts set its handler.
      if (code !== 0 && signal !== 'SIGTERM') worstExit = 1;
      if (live().length === 0) {
        logger.info({ exitCode: worstExit }, 'all workers stopped');
        process.exit(worstExit);
      }
      return;
    }
    const lived = s ? Date.now() - s.at : 0;
    if (!s?.listening) earlyExits++;
    if (earlyExits >= GIVE_UP_AFTER) {
      logger.error({ pid: w.process.pid, code, signal, earlyExits }, `${earlyExits} workers in a row exited before listening: giving up`);
      shutdown('worker start failures', 1);
      return;
    }
    failures = lived >= STABLE_MS ? 1 : failures + 1;
    const delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1));
    logger.error({ pid: w.process.pid, code, signal, livedMs: lived, refork_in_ms: delayMs }, 'worker exited: re-forking it');
    const t = setTimeout(() => {
      timers.delete(t);
      if (!stopping) fork();
    }, delayMs);
    timers.add(t);
  };

  const shutdown = (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    worstExit = exitCode;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    const workers = live();
    logger.info({ signal: why, workers: workers.length }, 'shutting down');
    if (workers.length === 0) process.exit(worstExit);
    for (const w of workers) w.process.kill('SIGTERM');
    setTimeout(() => {
      const left = live();
      logger.warn({ workers: left.map((w) => w.process.pid) }, 'workers did not stop in time: killing them');
      for (const w of left) w.process.kill('SIGKILL');
      process.exit(1);
    }, graceMs + 2000).unref();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  logger.info({ workers: config.workers, port: config.port }, `keygate primary: starting ${config.workers} workers`);
  for (let i = 0; i < config.workers; i++) fork();
}
