/**
 * The client half of the HTTP benchmarks: a browser stand-in (http-client.ts) plus the test
 * suite's SoftAuthenticator, driving keygate's FIDO2 endpoints like the integration harness
 * does (test/helpers/harness.ts), but over a real socket.
 *
 * - `register`: attestation/options then attestation/result for a new user (ES256, attestation
 *   `none`, a fresh cookie jar); returns the HTTP milliseconds only, leaving out the
 *   authenticator's key generation between the two requests.
 * - `signIn`: assertion/options (by username) then assertion/result; returns each request's
 *   time and the store calls it made (from metered-store.ts; exact only when serial).
 */
import { performance } from 'node:perf_hooks';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator.js';
import { HttpClient } from './http-client.js';
import type { BenchServer } from './keygate-server.js';
import type { StoreMeter } from './metered-store.js';

export interface Account {
  client: HttpClient;
  auth: SoftAuthenticator;
  username: string;
  credentialId: string;
}

/** Registers a new user; returns it and the milliseconds spent in HTTP. */
export async function register(server: BenchServer, username: string): Promise<{ account: Account; httpMs: number }> {
  const client = new HttpClient(server.base, server.origin);
  const auth = new SoftAuthenticator({ rpId: 'localhost', origin: server.origin });
  const t0 = performance.now();
  const options = await client.post<{ challenge: string; user: { id: string } }>('/attestation/options', {
    username,
    displayName: username,
    attestation: 'none',
    authenticatorSelection: { userVerification: 'preferred', residentKey: 'discouraged' },
  });
  const t1 = performance.now();
  const { credential, response } = await auth.createCredential({ challenge: options.challenge, userHandle: options.user.id, alg: -7, attestation: 'none' });
  const t2 = performance.now();
  await client.post('/attestation/result', response);
  const t3 = performance.now();
  return { account: { client, auth, username, credentialId: credential.id }, httpMs: t1 - t0 + (t3 - t2) };
}

export interface Phase {
  ms: number;
  storeCalls: number;
  storeMs: number;
}

/** Times one request, with the store calls it made (exact only when nothing else runs). */
export async function timed<T>(meter: StoreMeter, call: () => Promise<T>): Promise<[T, Phase]> {
  const s0 = meter.snapshot();
  const t0 = performance.now();
  const out = await call();
  const ms = performance.now() - t0;
  return [out, { ms, storeCalls: meter.calls - s0.calls, storeMs: meter.ms - s0.ms }];
}

/** One username sign-in; returns its two requests' phases. */
export async function signIn(a: Account, meter: StoreMeter): Promise<{ options: Phase; result: Phase }> {
  const [opts, options] = await timed(meter, () =>
    a.client.post<{ challenge: string }>('/assertion/options', { username: a.username, userVerification: 'preferred' }),
  );
  const response = await a.auth.getAssertion({ challenge: opts.challenge, credentialId: a.credentialId });
  const [res, result] = await timed(meter, () => a.client.post<{ status: string }>('/assertion/result', response));
  if (res.status !== 'ok') throw new Error(`sign-in failed: ${JSON.stringify(res)}`);
  return { options, result };
}
