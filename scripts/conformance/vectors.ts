/**
 * The conformance corpus format (see /work/shared/conformance/README.md) and its loader.
 * Used by scripts/conformance.ts (`npm run conformance -- <file>`); not run directly.
 *
 * Only the fields the runner uses are typed; everything else (`source`, `why`, `facts`,
 * `simplewebauthn_v14*`, ...) is kept as-is for reporting. A vector whose required fields are
 * missing or mistyped is returned with `problem` set, so the runner reports it as a failure
 * instead of crashing.
 */
import { readFile } from 'node:fs/promises';
import type { AuthenticationResponseJSON, RegistrationResponseJSON, RootCertIdentifier } from '@simplewebauthn/server';

interface VectorBase {
  id: string;
  rpID: string;
  origin: string;
  expectedChallenge: string;
  expect: 'valid' | 'invalid';
  why?: string;
  requireUserVerification?: boolean;
  requireUserPresence?: boolean;
  /** ISO time the verifier's clock must read. */
  atTime?: string;
  extraTrustAnchorsPEM?: Partial<Record<RootCertIdentifier, string[]>>;
  sourceExpectedError?: string;
  [other: string]: unknown;
}

export interface RegistrationVector extends VectorBase {
  kind: 'registration';
  fmt?: string;
  response: RegistrationResponseJSON;
  attestationSafetyNetEnforceCTSCheck?: boolean;
}

export interface AuthenticationVector extends VectorBase {
  kind: 'authentication';
  response: AuthenticationResponseJSON;
  /** base64url COSE_Key of the stored credential. */
  credentialPublicKey: string;
  prevCounter?: number;
}

export type Vector = RegistrationVector | AuthenticationVector;

export interface LoadedVector {
  /** Position in the file, for vectors without a usable id. */
  index: number;
  id: string;
  vector: Vector;
  /** Why the entry cannot be run, when it is malformed. */
  problem?: string;
}

export async function loadVectors(file: string): Promise<LoadedVector[]> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new TypeError(`${file}: expected a JSON array of vectors`);
  return parsed.map((raw: unknown, index) => {
    const v = (raw ?? {}) as Vector;
    const id = typeof v.id === 'string' && v.id ? v.id : `#${index}`;
    return { index, id, vector: v, problem: shapeProblem(v) };
  });
}

function shapeProblem(v: Vector): string | undefined {
  if (typeof v !== 'object' || v === null) return 'not an object';
  const kind: unknown = v.kind;
  if (kind !== 'registration' && kind !== 'authentication') return `unknown kind ${JSON.stringify(kind)}`;
  if (v.expect !== 'valid' && v.expect !== 'invalid') return `expect must be "valid" or "invalid", got ${JSON.stringify(v.expect)}`;
  for (const key of ['rpID', 'origin', 'expectedChallenge'] as const) {
    if (typeof v[key] !== 'string') return `${key} must be a string`;
  }
  if (typeof v.response !== 'object' || v.response === null || typeof v.response.response !== 'object' || v.response.response === null) return 'response is not a credential object';
  if (v.atTime !== undefined && Number.isNaN(Date.parse(v.atTime))) return `atTime ${JSON.stringify(v.atTime)} is not an ISO time`;
  if (v.kind === 'authentication') {
    if (typeof v.credentialPublicKey !== 'string' || !/^[A-Za-z0-9_-]+$/.test(v.credentialPublicKey)) return 'credentialPublicKey must be a base64url string';
    if (v.prevCounter !== undefined && v.prevCounter !== null && !Number.isSafeInteger(v.prevCounter)) return 'prevCounter must be an integer';
  }
  return undefined;
}
