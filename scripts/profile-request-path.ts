/**
 * Server CPU per request on keygate's request path (issue 9 point 2), for profiling only:
 * prints figures, asserts nothing, never runs in tests.
 *
 *   npx tsx scripts/profile-request-path.ts [--n 4000] [--rounds 5] [--concurrency 16] [--cpu-prof] [--case healthz] [--compare DIR]
 *
 * The server runs in a CHILD process (this file with `--server`), composed as main.ts composes
 * it: buildApp on the memory store wrapped by instrumentStore, one metrics registry, a real
 * pino logger at info writing to /dev/null (so access-log lines are serialized), the rate
 * limiter on with a limit no run reaches, no demo. Next to it, in the same child, a bare
 * `node:http` server that reads a JSON body and answers JSON: the floor.
 * The parent is the client: node:http with a keep-alive agent, `--concurrency` requests in
 * flight, sending what a browser sends (Origin, JSON, the session cookie it was given).
 * For each case and round it warms up, then asks the child for `process.cpuUsage()` before
 * and after `--n` requests (user + system, over IPC) and prints µs of server CPU per request;
 * the figures reported are the median and the minimum over `--rounds` rounds (cases
 * interleaved, so a busy neighbour on the machine skews all cases alike; on a shared machine
 * the minimum is the steadier of the two).
 * `--cpu-prof` starts the child with `node --cpu-prof` (profile written to ./profiles/ when
 * it exits; open it in Chrome DevTools or speedscope); `--case` runs the cases whose path
 * contains the word. `--compare DIR` also starts the server of another checkout (DIR must
 * hold this script and node_modules, e.g. `git worktree add ../main-before main` plus a
 * node_modules symlink) and lets the two take turns on every case and round, which is the way
 * to compare two versions on a busy machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CaseDef {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  floor?: boolean;
}

const CASES: CaseDef[] = [
  { name: 'POST /echo (bare node:http floor)', method: 'POST', path: '/echo', body: '{"username":"alice"}', floor: true },
  { name: 'GET /healthz', method: 'GET', path: '/healthz' },
  { name: 'POST /assertion/options {username}', method: 'POST', path: '/assertion/options', body: '{"username":"alice"}' },
  { name: 'POST /assertion/options {}', method: 'POST', path: '/assertion/options', body: '{}' },
];

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
}

// ---------------------------------------------------------------- server (child process)

async function server(): Promise<void> {
  const { buildApp } = await import('../server/src/app.js');
  const { loadConfig } = await import('../server/src/config/load-config.js');
  const { systemClock } = await import('../server/src/lib/clock.js');
  const { createLogger } = await import('../server/src/lib/logger.js');
  const { secureRandom } = await import('../server/src/lib/random.js');
  const { createMetrics } = await import('../server/src/observability/metrics.js');
  const { instrumentStore } = await import('../server/src/observability/instrumented-store.js');
  const { createMemoryStore } = await import('../server/src/storage/memory/memory-store.js');
  const { pino } = await import('pino');

  const listen = async (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const s = createServer(handler);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    return s;
  };
  let app: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const kg = await listen((req, res) => app!(req, res));
  const port = (kg.address() as AddressInfo).port;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    RP_ID: 'localhost',
    RP_ORIGINS: `http://localhost:${port}`,
    SESSION_SECRET: 'profile-session-secret-profile-session-secret',
    RATE_LIMIT_PER_MINUTE: '100000000',
    LOG_LEVEL: 'info',
  });
  const logger = createLogger('info', pino.destination({ dest: '/dev/null', sync: true }));
  const metrics = createMetrics({ processMetrics: false });
  const store = instrumentStore(createMemoryStore(), metrics);
  app = buildApp({ config, store, clock: systemClock, random: secureRandom, logger, metrics }, { demoDir: null }) as never;

  const floor = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown;
      const out = JSON.stringify({ status: 'ok', echo: body });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });

  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ cpu: u.user + u.system });
    } else if (m === 'exit') {
      kg.close();
      floor.close();
      kg.closeAllConnections();
      floor.closeAllConnections();
      // --cpu-prof writes the profile on exit, process.exit included.
      setImmediate(() => process.exit(0));
    }
  });
  process.send!({ port, floorPort: (floor.address() as AddressInfo).port });
}

// ---------------------------------------------------------------- client (parent process)

function ask(child: ChildProcess, what: string): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as Record<string, number>));
    child.send(what);
  });
}

interface Target {
  label: string;
  child: ChildProcess;
  port: number;
  floorPort: number;
  agent: Agent;
  cookie?: string;
}

async function startTarget(label: string, script: string, cpuProf: boolean, concurrency: number): Promise<Target> {
  const child = fork(script, ['--server'], {
    cwd: dirname(dirname(script)),
    execArgv: [...process.execArgv, ...(cpuProf ? ['--cpu-prof', '--cpu-prof-dir=profiles'] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<{ port: number; floorPort: number }>((resolve) => child.once('message', (m) => resolve(m as never)));
  return { label, child, ...ports, agent: new Agent({ keepAlive: true, maxSockets: concurrency }) };
}

async function client(): Promise<void> {
  const n = arg('n', 4000);
  const rounds = arg('rounds', 5);
  const concurrency = arg('concurrency', 16);
  const opt = (name: string) => (process.argv.includes(`--${name}`) ? process.argv[process.argv.indexOf(`--${name}`) + 1]! : undefined);
  const only = opt('case');
  const compare = opt('compare');
  const cpuProf = process.argv.includes('--cpu-prof');
  const targets = [await startTarget('this tree', fileURLToPath(import.meta.url), cpuProf, concurrency)];
  if (compare) targets.push(await startTarget(compare, resolvePath(compare, 'scripts/profile-request-path.ts'), cpuProf, concurrency));

  const one = (t: Target, c: CaseDef) =>
    new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (c.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(c.body));
        headers.origin = `http://localhost:${t.port}`;
      }
      if (t.cookie && !c.floor) headers.cookie = t.cookie;
      const req = request({ host: '127.0.0.1', port: c.floor ? t.floorPort : t.port, method: c.method, path: c.path, headers, agent: t.agent }, (res) => {
        const set = res.headers['set-cookie'];
        if (set?.[0]) t.cookie = set[0].split(';')[0];
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${c.name}: ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(c.body);
    });
  const run = async (t: Target, c: CaseDef, count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) await one(t, c);
      }),
    );
  };

  const cases = CASES.filter((c) => !only || c.path.includes(only));
  const samples = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      // With --compare, the two servers take turns on each case, so both see the same machine.
      for (const t of targets) {
        await run(t, c, Math.min(500, n));
        const before = (await ask(t.child, 'cpu')).cpu!;
        await run(t, c, n);
        const after = (await ask(t.child, 'cpu')).cpu!;
        const key = `${t.label}\0${c.name}`;
        samples.set(key, [...(samples.get(key) ?? []), (after - before) / n]);
      }
    }
  }
  for (const t of targets) {
    t.child.send('exit');
    t.agent.destroy();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`server CPU per request, µs (${rounds} rounds x ${n} requests, ${concurrency} in flight): median, min, [each round]`);
  for (const t of targets) {
    if (targets.length > 1) console.log(`${t.label}:`);
    for (const c of cases) {
      const xs = samples.get(`${t.label}\0${c.name}`)!;
      console.log(`  ${c.name.padEnd(38)} ${median(xs).toFixed(1).padStart(7)} ${Math.min(...xs).toFixed(1).padStart(7)}   [${xs.map((x) => x.toFixed(0)).join(' ')}]`);
    }
  }
}

if (process.argv.includes('--server')) await server();
else await client();
