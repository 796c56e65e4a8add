/**
 * Property-based hostile input to EVERY endpoint (issue 11, point 6), through the real HTTP
 * app on each store. For each route of server/src/http/routes/*.ts, fast-check generates
 * requests from every kind of caller (anonymous, signed in with a fresh proof, signed in
 * long ago, half signed in, enrolling, password + TOTP), with random or schema-shaped JSON
 * holding wrong types, operators, prototype keys, huge and odd strings, deep nesting, raw
 * bytes, malformed JSON, form bodies, gzip bombs, wrong content types and encodings,
 * chunked framing, foreign origins, forged cookies and Authorization headers, odd path
 * parameters and query strings, and now and then the wrong method. Ceremony results may be
 * preceded by a real options call, so the body reaches verification.
 *
 * Every reply is judged by FuzzWorld.send: no 5xx; a 4xx is JSON with a stable `code`; a
 * refused request writes nothing (write log + state snapshot through the ports). At the
 * end: no unhandled rejection, and the heap grew by a bounded amount.
 *
 * FUZZ_RUNS (runs per property) and FUZZ_SEED: see test/helpers/fuzz-settings.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Store } from '../../server/src/storage/ports.js';
import { buildRequest, ENDPOINTS, requestArb, type RequestSpec } from '../helpers/fuzz-arbitraries.js';
import { fcParams, FUZZ_RUNS, FUZZ_SEED, heapUsedAfterGc, runsFor, timeoutFor, watchProcess } from '../helpers/fuzz-settings.js';
import { FuzzWorld, jsonBody } from '../helpers/fuzz-world.js';
import { CookieJar } from '../helpers/fuzz-client.js';
import { testStores } from '../helpers/test-stores.js';

const watch = watchProcess();
afterAll(() => watch.stop());

describe.each(testStores().map((f) => [f.name, f] as const))('hostile requests to every endpoint on the %s store', (storeName, factory) => {
  const runs = runsFor(storeName);
  let store: Store;
  let world: FuzzWorld;
  let heapBefore: number;
  let started: number;
  let preludes = 0;
  beforeAll(async () => {
    store = await factory.open();
    world = await FuzzWorld.create(store);
    heapBefore = (await heapUsedAfterGc()).bytes;
    started = performance.now();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
    await store?.close();
  });

  async function prelude(kind: RequestSpec['prelude'], jar: CookieJar) {
    if (kind === 'none') return;
    preludes++;
    const body = kind === 'registration' ? { username: `fz-pre-${preludes}` } : preludes % 2 ? {} : { username: world.values().VICTIM_USERNAME };
    await world.prelude({ method: 'POST', path: kind === 'registration' ? '/attestation/options' : '/assertion/options', jar, ...jsonBody(body) }, `(${kind} options)`);
  }

  it.each(ENDPOINTS.map((e, i) => [`${e.method} ${e.path}`, e, i] as const))(
    '%s: no 5xx, a stable code on every 4xx, nothing written by a refusal',
    async (name, endpoint, i) => {
      await fc.assert(
        fc.asyncProperty(requestArb(endpoint), async (spec) => {
          const jar = await world.jar(spec.agent);
          await prelude(spec.prelude, jar);
          await world.send(buildRequest(endpoint, spec, world.values(), jar), `[${name} as ${spec.agent}]`, name);
        }),
        fcParams(i, Math.max(2, Math.round(runs * (endpoint.runs ?? 1)))),
      );
    },
    timeoutFor(runs, 100),
  );

  it(
    'unknown paths and methods: 404 not_found, never a 5xx',
    async () => {
      const segment = fc.oneof(fc.constantFrom('account', 'session', 'token', 'attestation', 'assertion', 'login', 'admin', '.well-known', '..', '%2e%2e', '%', '%00', 'index.html', 'openapi.json'), fc.webSegment());
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'TRACE'),
          fc.array(segment, { minLength: 1, maxLength: 5 }),
          fc.constantFrom('anon', 'signedIn') as fc.Arbitrary<'anon' | 'signedIn'>,
          async (method, segments, agent) => {
            const path = `/${segments.join('/')}`.replace(/[^\x21-\xff]/g, '_');
            const jar = await world.jar(agent);
            await world.send({ method, path, jar, ...(method === 'GET' || method === 'HEAD' ? {} : jsonBody({ a: 1 })) }, `[unknown path as ${agent}]`, 'unknown paths');
          },
        ),
        fcParams(100, runs),
      );
    },
    timeoutFor(runs, 50),
  );

  it('left no unhandled rejection, and the heap stayed bounded', async () => {
    const seconds = (performance.now() - started) / 1000;
    const heap = await heapUsedAfterGc();
    const growth = heap.bytes - heapBefore;
    const n = world.stats.fuzzed;
    process.stderr.write(
      `fuzz http-surface [${storeName}] seed=${FUZZ_SEED} runs/property=${runs} (FUZZ_RUNS=${FUZZ_RUNS}): ${world.summary()}; ` +
        `${seconds.toFixed(1)} s; heap +${(growth / 2 ** 20).toFixed(1)} MiB${heap.collected ? ' after gc' : ' (no gc)'}\n`,
    );
    if (process.env.FUZZ_VERBOSE === '1') process.stderr.write(`${world.outcomes()}\n`);
    expect(watch.problems).toEqual([]);
    // Generous: the memory store keeps its audit log (10 000 events), ceremonies and counters.
    expect(growth).toBeLessThan(128 * 2 ** 20 + n * 16 * 1024);
  });
});
