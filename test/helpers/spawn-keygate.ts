/**
 * Real keygate PROCESSES for scale-out and restart tests: `node --import tsx server/src/main.ts`
 * as a child, configured only through its environment, exactly as an operator starts it.
 *
 * Contract of `spawnKeygate({ name, env, port? })`:
 *  - the child's environment is `env` plus PATH/HOME/TMPDIR and HOST=127.0.0.1, PORT=<port>
 *    (`port` default: a free one from {@link freePort}); nothing else of this process's
 *    environment leaks in (a developer's MONGODB_URI or PASSWORD_LOGIN cannot change the test);
 *  - resolves once `GET <waitFor>` answers 200, polled every 50 ms for up to `readyTimeoutMs`
 *    (default 20 s). `waitFor` is `/readyz` by default (store reachable, key ring read or
 *    created); `/healthz` only waits for the port, so a test can send the first `/readyz` to
 *    several instances at once. Rejects with the child's output if it exits first or is not
 *    ready in time (the child is killed then);
 *  - `url` is `http://127.0.0.1:<port>`; `output()` the last 16 KB of its stdout + stderr;
 *  - `stop()` sends SIGTERM (keygate's graceful shutdown), SIGKILLs after `killAfterMs`
 *    (default 8 s), and resolves with the exit code/signal and how long the exit took;
 *  - never leaves an orphan: the child watches its stdin and shuts itself down when this
 *    process dies (even by SIGKILL, which no exit handler sees), and every child still running
 *    when this process exits is SIGKILLed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Preloaded into the child: stdin EOF (this process is gone) = SIGTERM to itself. */
const WATCH_PARENT = `data:text/javascript,${encodeURIComponent(
  "process.stdin.on('error',()=>{}).on('end',()=>process.kill(process.pid,'SIGTERM')).resume();",
)}`;
const OUTPUT_LIMIT = 16_384;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Milliseconds from the signal to the exit. */
  ms: number;
}

export interface SpawnedKeygate {
  name: string;
  port: number;
  url: string;
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Resolves when the child has exited (for whatever reason). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(o?: { signal?: NodeJS.Signals; killAfterMs?: number }): Promise<ExitInfo>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A TCP port nobody listens on right now (the OS picks it; tiny race until the child binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SpawnKeygateOptions {
  /** Names the instance in error messages. */
  name: string;
  /** keygate's configuration (its environment variables). */
  env: Record<string, string>;
  port?: number;
  waitFor?: '/readyz' | '/healthz';
  readyTimeoutMs?: number;
}

export async function spawnKeygate(o: SpawnKeygateOptions): Promise<SpawnedKeygate> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  const port = o.port ?? (await freePort());
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', WATCH_PARENT, 'server/src/main.ts'], {
    cwd: ROOT,
    env: { ...base, ...o.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => void (out = (out + d.toString()).slice(-OUTPUT_LIMIT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.stdin!.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (e) => void (spawnError = e));

  const url = `http://127.0.0.1:${port}`;
  const stop = async ({ signal = 'SIGTERM', killAfterMs = 8000 }: { signal?: NodeJS.Signals; killAfterMs?: number } = {}): Promise<ExitInfo> => {
    const t0 = Date.now();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited.finally(() => clearTimeout(timer));
    }
    const { code, signal: sig } = await exited;
    return { code, signal: sig, ms: Date.now() - t0 };
  };

  const deadline = Date.now() + (o.readyTimeoutMs ?? 20_000);
  let lastStatus = 'no answer';
  for (;;) {
    if (spawnError) throw new Error(`${o.name}: cannot spawn keygate: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${o.name}: keygate exited before it was ready (code ${child.exitCode}, signal ${child.signalCode}); output:\n${out}`);
    }
    try {
      const res = await fetch(`${url}${o.waitFor ?? '/readyz'}`, { signal: AbortSignal.timeout(2000) });
      lastStatus = `${res.status} ${await res.text()}`;
      if (res.status === 200) break;
    } catch (err) {
      lastStatus = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await stop({ signal: 'SIGKILL' });
      throw new Error(`${o.name}: keygate not ready on ${url} after ${o.readyTimeoutMs ?? 20_000} ms (last ${o.waitFor ?? '/readyz'}: ${lastStatus}); output:\n${out}`);
    }
    await sleep(50);
  }
  return { name: o.name, port, url, pid: child.pid!, child, output: () => out, exited, stop };
}
