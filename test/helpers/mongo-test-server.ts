/**
 * MongoDB for tests. Contract of `startMongoTestServer()`:
 *  1. `MONGODB_URI` set -> `{ uri: MONGODB_URI }`; `stop()` is a no-op, `pause()`/`resume()` reject.
 *  2. else if `java` is on PATH and `scripts/mongo-test-server/fetch.sh` has fetched the jars ->
 *     spawns the in-memory mongo-java-server (wire version 9) on 127.0.0.1 and resolves once it
 *     printed `LISTENING <port>` (30 s timeout; rejects with its stderr on failure).
 *     `uri` is `mongodb://127.0.0.1:<port>`; each call gets a fresh, empty server.
 *     `pause()` SIGKILLs the server (the port refuses connections at once; ALL DATA IS LOST),
 *     `resume()` starts a new empty server on the SAME port. `stop()` ends it for good.
 *     `freeze()` / `thaw()` SIGSTOP / SIGCONT it: a hung server that keeps its connections and data.
 *     The child also exits by itself when this process dies (it watches its stdin).
 *  3. otherwise -> `{ skipped: '<one-line reason>' }` (see `mongoSkipReason()`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Driver commands that are no store call (heartbeats, handshakes, cursors, sessions): left out when counting round trips. */
export const DRIVER_HOUSEKEEPING: ReadonlySet<string> = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'endSessions', 'createIndexes', 'saslStart', 'saslContinue', 'killCursors']);

export interface MongoTestServer {
  uri: string;
  stop(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** SIGSTOPs the server: connections stay open but nothing answers (a hung server); data kept. */
  freeze(): void;
  /** SIGCONTs a frozen server. */
  thaw(): void;
}

const DIR = fileURLToPath(new URL('../../scripts/mongo-test-server/', import.meta.url));
const LIB = path.join(DIR, 'target', 'lib');
const CLASS_FILE = path.join(DIR, 'target', 'classes', 'MongoTestServer.class');
const SOURCE = path.join(DIR, 'src', 'MongoTestServer.java');
const START_TIMEOUT_MS = 30_000;
const JVM = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']; // faster start-up, small heap

let javaOk: boolean | undefined;

/** Why the Java test server cannot run here, or `null` if it can (or `MONGODB_URI` is set). */
export function mongoSkipReason(): string | null {
  if (process.env.MONGODB_URI) return null;
  javaOk ??= spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
  if (!javaOk) return 'java not found on PATH: install a JDK 17+ or set MONGODB_URI';
  const jars = existsSync(LIB) ? readdirSync(LIB) : [];
  if (!jars.some((f) => f.startsWith('mongo-java-server-memory-backend-'))) {
    return 'jars missing: run scripts/mongo-test-server/fetch.sh (or set MONGODB_URI)';
  }
  return null;
}

function javaArgs(port: number): string[] {
  const cp = path.join(LIB, '*');
  // Precompiled class (fetch.sh) starts in ~0.2 s; single-file source launch takes ~0.65 s.
  if (existsSync(CLASS_FILE) && statSync(CLASS_FILE).mtimeMs >= statSync(SOURCE).mtimeMs) {
    return [...JVM, '-cp', path.dirname(CLASS_FILE) + path.delimiter + cp, 'MongoTestServer', String(port)];
  }
  return [...JVM, '-cp', cp, SOURCE, String(port)];
}

function launch(port: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', javaArgs(port), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`mongo-test-server ${why}${stderr ? `; stderr:\n${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdin!.on('error', () => {}); // EPIPE if the child is already gone
    child.stderr!.on('data', (d: Buffer) => void (stderr = (stderr + d.toString()).slice(-8192)));
    child.on('error', (e) => fail(`failed to spawn java: ${e.message}`));
    child.on('exit', (code, sig) => fail(`exited before ready (code ${code}, signal ${sig})`));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^LISTENING (\d+)$/m.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit').removeAllListeners('error').on('error', () => {});
      // Keep draining the pipes, but never keep the Node process alive for this child.
      for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { unref?(): void }[]) s.unref?.();
      child.unref();
      resolve({ child, port: Number(m[1]) });
    });
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.ref(); // keep Node alive until the child has really exited
    child.once('exit', () => resolve());
    if (signal === 'SIGTERM') child.stdin?.end(); // the server exits on stdin EOF
    child.kill(signal);
  });
}

export async function startMongoTestServer(): Promise<MongoTestServer | { skipped: string }> {
  const external = process.env.MONGODB_URI;
  if (external) {
    const unsupported = async () => {
      throw new Error('pause()/resume() not supported with external MONGODB_URI');
    };
    const no = () => {
      throw new Error('freeze()/thaw() not supported with external MONGODB_URI');
    };
    return { uri: external, stop: async () => {}, pause: unsupported, resume: unsupported, freeze: no, thaw: no };
  }
  const reason = mongoSkipReason();
  if (reason) return { skipped: reason };

  const first = await launch(0);
  const port = first.port;
  let current: ChildProcess | null = first.child;
  return {
    uri: `mongodb://127.0.0.1:${port}`,
    async stop() {
      const c = current;
      current = null;
      if (c) await kill(c, 'SIGTERM');
    },
    async pause() {
      const c = current;
      current = null;
      if (!c) return;
      await kill(c, 'SIGKILL');
      // Let this process read the FINs of the killed sockets first: otherwise the driver may
      // write on a dead pooled socket and throw a bare Node `Error` (EPIPE), not a MongoError.
      await new Promise((r) => setTimeout(r, 50));
    },
    async resume() {
      if (current) return;
      current = (await launch(port)).child;
    },
    freeze() {
      current?.kill('SIGSTOP');
    },
    thaw() {
      current?.kill('SIGCONT');
    },
  };
}
