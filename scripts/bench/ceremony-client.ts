/**
 * The client half of the HTTP benchmarks: a browser stand-in (http-client.ts) plus the test
 * suite's SoftAuthenticator, driving keygate's FIDO2 endpoints like the integration harness
 * does (test/helpers/harness.ts), over a real socket to a server in ANOTHER process.
 *
 * - `register`: attestation/options then attestation/result for a new user (ES256, attestation
 *   `none`, a fresh cookie jar); returns the account and the HTTP milliseconds only (the
 *   authenticator's key generation between the two requests is left out).
 * - `signIn`: assertion/options (by username) then assertion/result with the account's cookie
 *   jar; returns the HTTP milliseconds of the two requests (signing left out). Throws unless
 *   keygate answered `status: ok`, so a broken ceremony is never timed as a fast one.
 */
import { performance } from 'node:perf_hooks';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator.js';
import { HttpClient } from './http-client.js';

export interface Target {
  /** Where requests go: `http://127.0.0.1:<port>`. */
  base: string;
  /** The relying party's origin: `http://localhost:<port>`. */
  origin: string;
}

export interface Account {
  client: HttpClient;
  auth: SoftAuthenticator;
  username: string;
  credentialId: string;
}

export async function register(target: Target, username: string): Promise<{ account: Account; ms: number }> {
  const client = new HttpClient(target.base, target.origin);
  const auth = new SoftAuthenticator({ rpId: 'localhost', origin: target.origin });
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
  const res = await client.post<{ status: string }>('/attestation/result', response);
  const t3 = performance.now();
  if (res.status !== 'ok') throw new Error(`registration failed: ${JSON.stringify(res)}`);
  return { account: { client, auth, username, credentialId: credential.id }, ms: t1 - t0 + (t3 - t2) };
}

export async function signIn(a: Account): Promise<number> {
  const t0 = performance.now();
  const opts = await a.client.post<{ challenge: string }>('/assertion/options', { username: a.username, userVerification: 'preferred' });
  const t1 = performance.now();
  const response = await a.auth.getAssertion({ challenge: opts.challenge, credentialId: a.credentialId });
  const t2 = performance.now();
  const res = await a.client.post<{ status: string }>('/assertion/result', response);
  const t3 = performance.now();
  if (res.status !== 'ok') throw new Error(`sign-in failed: ${JSON.stringify(res)}`);
  return t1 - t0 + (t3 - t2);
}
