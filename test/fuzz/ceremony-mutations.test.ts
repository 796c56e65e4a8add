/**
 * Property-based mutation of REAL ceremonies (issue 11, point 6), through the real HTTP app
 * on each store. Each run starts a ceremony with a valid options call, lets the soft
 * authenticator answer it for real, and sends the answer with 1-3 generated edits
 * (test/helpers/fuzz-mutations.ts): clientDataJSON fields and bytes, authenticator data
 * (flags, counter, rpIdHash, credential id length, COSE key, extensions), the attestation
 * statement, the attestationObject's CBOR (flipped, cut, extended bytes; headers claiming
 * 2^32-byte strings; wrong, missing, renamed, duplicated keys; tags; indefinite lengths),
 * the assertion signature, and the credential JSON. A third property walks random short
 * sequences of real and replayed ceremony steps on one browser session.
 *
 * The oracle is FuzzWorld.send (no 5xx; a 4xx has a stable code; a refusal writes nothing
 * but what the design says: the consumed challenge, audit, counters, and a counter
 * regression's "possibly cloned" flag). An edit that happens to leave the response valid
 * may succeed: that is allowed (and counted).
 */
import { createHash, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Store } from '../../server/src/storage/ports.js';
import { CookieJar } from '../helpers/fuzz-client.js';
import { assertionEdit, assertionOverrides, registrationEdit, registrationOverrides } from '../helpers/fuzz-mutations.js';
import { fcParams, FUZZ_RUNS, FUZZ_SEED, heapUsedAfterGc, runsFor, timeoutFor, watchProcess } from '../helpers/fuzz-settings.js';
import { FuzzWorld, jsonBody, show, type FixtureUser } from '../helpers/fuzz-world.js';
import type { AttestationKind, CoseAlg, SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { testStores } from '../helpers/test-stores.js';

const watch = watchProcess();
afterAll(() => watch.stop());

/** A well-formed signature by the credential's key over other data (verification says false, not "unreadable"). */
function bogusSigner(auth: SoftAuthenticator, credentialId: string) {
  return () => {
    const c = auth.getCredential(credentialId)!;
    const data = createHash('sha256').update(`not what was asked ${credentialId}`).digest();
    return new Uint8Array(c.alg === -8 ? sign(null, data, c.privateKey) : sign('sha256', data, { key: c.privateKey, dsaEncoding: 'der' }));
  };
}

describe.each(testStores().map((f) => [f.name, f] as const))('mutated real ceremonies on the %s store', (storeName, factory) => {
  let store: Store;
  let world: FuzzWorld;
  let heapBefore: number;
  let started: number;
  let n = 0;
  let accepted = 0;
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

  const regRuns = runsFor(storeName, 5);
  it(
    'registration: a real attestation (none, packed self/full, fido-u2f; ES256, EdDSA) with 1-3 edits',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            start: fc.constantFrom('new' as const, 'new' as const, 'addKey' as const, 'enrol' as const),
            format: fc.constantFrom<AttestationKind>('none', 'packed-self', 'packed-full', 'fido-u2f'),
            alg: fc.constantFrom<CoseAlg>(-7, -8),
            userVerification: fc.constantFrom('required', 'preferred', 'discouraged'),
            edits: fc.array(registrationEdit, { minLength: 1, maxLength: 3 }),
          }),
          async ({ start, format, alg, userVerification, edits }) => {
            const agent = start === 'addKey' ? 'signedIn' : start === 'enrol' ? 'enrol' : 'anon';
            const jar = await world.jar(agent);
            const username = start === 'new' ? `fz-reg-${++n}` : world.agentUser(agent === 'anon' ? 'signedIn' : agent).username;
            const options = await world.prelude(
              { method: 'POST', path: '/attestation/options', jar, ...jsonBody({ username, attestation: 'direct', authenticatorSelection: { userVerification, residentKey: 'preferred' } }) },
              `(registration options, ${start})`,
            );
            if (options.status !== 200) throw new Error(`registration options refused: ${options.text}`);
            const opts = options.json as { challenge: string; user: { id: string } };
            const values = world.values();
            const { response } = await world.authenticator().createCredential({
              challenge: opts.challenge,
              userHandle: opts.user.id,
              attestation: format,
              alg: format === 'fido-u2f' ? -7 : alg,
              overrides: registrationOverrides(edits, values),
            });
            const reply = await world.send({ method: 'POST', path: '/attestation/result', jar, ...jsonBody(response) }, `[registration ${start} ${format} ${show(edits)}]`, `registration result (${start})`);
            if (reply.status === 200) accepted++;
          },
        ),
        fcParams(200, regRuns),
      );
    },
    timeoutFor(regRuns, 60),
  );

  const authRuns = runsFor(storeName, 5);
  it(
    'authentication: a real assertion (ES256, EdDSA; by username or usernameless) with 1-3 edits',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            start: fc.constantFrom('username' as const, 'usernameless' as const),
            alg: fc.constantFrom<CoseAlg>(-7, -8),
            userVerification: fc.constantFrom('required', 'preferred', 'discouraged'),
            edits: fc.array(assertionEdit, { minLength: 1, maxLength: 3 }),
          }),
          async ({ start, alg, userVerification, edits }) => {
            const victim: FixtureUser = await world.victim(alg);
            const jar = new CookieJar();
            const options = await world.prelude(
              { method: 'POST', path: '/assertion/options', jar, ...jsonBody(start === 'username' ? { username: victim.username, userVerification } : { userVerification }) },
              `(authentication options, ${start})`,
            );
            if (options.status !== 200) throw new Error(`authentication options refused: ${options.text}`);
            const { challenge } = options.json as { challenge: string };
            const auth = victim.auth!;
            const response = await auth.getAssertion({
              challenge,
              credentialId: victim.credentialId!,
              overrides: assertionOverrides(edits, world.values(), bogusSigner(auth, victim.credentialId!)),
            });
            const reply = await world.send({ method: 'POST', path: '/assertion/result', jar, ...jsonBody(response) }, `[assertion ${start} alg ${alg} ${show(edits)}]`, `assertion result (${start})`);
            if (reply.status === 200) accepted++;
          },
        ),
        fcParams(201, authRuns),
      );
    },
    timeoutFor(authRuns, 60),
  );

  type Step = 'regOptions' | 'authOptionsUser' | 'authOptionsNone' | 'regResult' | 'authResult' | 'crossResult' | 'replay' | 'logout' | 'session' | 'token' | 'me';
  const seqRuns = runsFor(storeName, 2);
  it(
    'sequences: real, crossed and replayed ceremony steps on one browser session',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.constantFrom<Step>('regOptions', 'authOptionsUser', 'authOptionsNone', 'regResult', 'authResult', 'crossResult', 'replay', 'logout', 'session', 'token', 'me'), { minLength: 2, maxLength: 7 }),
          async (steps) => {
            const jar = new CookieJar();
            const victim = await world.victim(-7);
            let reg: { challenge: string; user: { id: string } } | undefined;
            let authChallenge: string | undefined;
            let last: { path: string; body: unknown } | undefined;
            const post = async (path: string, body: unknown) => {
              last = { path, body };
              return world.send({ method: 'POST', path, jar, ...jsonBody(body) }, `[sequence ${steps.join(' → ')}]`, `sequence POST ${path}`);
            };
            const challengeOr = (c: string | undefined) => c ?? Buffer.from(`never issued ${steps.length}`).toString('base64url');
            for (const step of steps) {
              switch (step) {
                case 'regOptions': {
                  const r = await world.send({ method: 'POST', path: '/attestation/options', jar, ...jsonBody({ username: `fz-seq-${++n}` }) }, '[sequence regOptions]', 'sequence POST /attestation/options');
                  if (r.status === 200) reg = r.json as typeof reg;
                  break;
                }
                case 'authOptionsUser':
                case 'authOptionsNone': {
                  const r = await world.send({ method: 'POST', path: '/assertion/options', jar, ...jsonBody(step === 'authOptionsUser' ? { username: victim.username } : {}) }, `[sequence ${step}]`, 'sequence POST /assertion/options');
                  if (r.status === 200) authChallenge = (r.json as { challenge: string }).challenge;
                  break;
                }
                case 'regResult': {
                  const { response } = await world.authenticator().createCredential({ challenge: challengeOr(reg?.challenge), userHandle: reg?.user.id, attestation: 'packed-self' });
                  await post('/attestation/result', response);
                  break;
                }
                case 'authResult':
                  await post('/assertion/result', await victim.auth!.getAssertion({ challenge: challengeOr(authChallenge), credentialId: victim.credentialId! }));
                  break;
                case 'crossResult': {
                  // A registration answering the authentication challenge, and the other way round.
                  if (authChallenge) await post('/attestation/result', (await world.authenticator().createCredential({ challenge: authChallenge, attestation: 'none' })).response);
                  if (reg) await post('/assertion/result', await victim.auth!.getAssertion({ challenge: reg.challenge, credentialId: victim.credentialId! }));
                  break;
                }
                case 'replay':
                  if (last) await post(last.path, last.body);
                  break;
                case 'logout':
                  await post('/session/logout', {});
                  break;
                case 'token':
                  await post('/token', { audience: world.values().AUD });
                  break;
                case 'session':
                case 'me':
                  await world.send({ method: 'GET', path: step === 'me' ? '/account/me' : '/session', jar }, `[sequence ${step}]`, `sequence GET ${step}`);
                  break;
              }
            }
          },
        ),
        fcParams(202, seqRuns),
      );
    },
    timeoutFor(seqRuns, 200),
  );

  it('left no unhandled rejection, and the heap stayed bounded', async () => {
    const seconds = (performance.now() - started) / 1000;
    const heap = await heapUsedAfterGc();
    const growth = heap.bytes - heapBefore;
    process.stderr.write(
      `fuzz ceremony-mutations [${storeName}] seed=${FUZZ_SEED} runs=${regRuns}/${authRuns}/${seqRuns} (FUZZ_RUNS=${FUZZ_RUNS}): ${world.summary()}; ` +
        `${accepted} mutated responses accepted; ${seconds.toFixed(1)} s; heap +${(growth / 2 ** 20).toFixed(1)} MiB${heap.collected ? ' after gc' : ' (no gc)'}\n`,
    );
    if (process.env.FUZZ_VERBOSE === '1') process.stderr.write(`${world.outcomes()}\n`);
    expect(watch.problems).toEqual([]);
    expect(growth).toBeLessThan(128 * 2 ** 20 + world.stats.fuzzed * 16 * 1024);
  });
});
