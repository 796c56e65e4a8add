/**
 * Runs one corpus vector through keygate's own `verifyRegistration` / `verifyAuthentication`
 * (the code behind the HTTP endpoints: assertions take the node:crypto signature step, the
 * lean path) and compares the verdict with the vector's `expect`.
 * Used by scripts/conformance.ts (`npm run conformance -- <file>`); not run directly.
 *
 * Per vector: the vector's `extraTrustAnchorsPEM` are added to the library's roots
 * (server/src/attestation/trust-anchors.ts, defaults kept) and the clock is pinned to `atTime`
 * (pin-clock.ts); both are undone afterwards, whatever happens. Any `KeygateError` is a
 * verdict of "invalid" with its code; any other exception is a crash, which always fails.
 */
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { addTrustAnchors } from '../../server/src/attestation/trust-anchors.js';
import { verifyAuthentication } from '../../server/src/ceremonies/verify-authentication-response.js';
import { X509Certificate } from 'node:crypto';
import { verifyRegistration, type VerifiedRegistration } from '../../server/src/ceremonies/verify-registration-response.js';
import { createTrustService } from '../../server/src/attestation/attestation-trust.js';
import { builtInAnchors, mergeAnchors } from '../../server/src/attestation/built-in-anchors.js';
import { KeygateError } from '../../server/src/errors/keygate-error.js';
import { algorithmsFor } from '../../server/src/policy/algorithms.js';
import { withPinnedClock } from './pin-clock.js';
import { runtimeLimitation } from './runtime-limits.js';
import type { LoadedVector, Vector } from './vectors.js';

export type Outcome =
  | { verdict: 'valid' }
  | { verdict: 'invalid'; code: string; errorClass: string; detail?: string }
  | { verdict: 'crash'; error: string };

export interface VectorResult {
  id: string;
  expect?: 'valid' | 'invalid';
  status: 'passed' | 'failed' | 'skipped';
  outcome?: Outcome;
  /** Why it failed without a verdict (malformed vector) or why it was skipped. */
  reason?: string;
  /** A valid registration: keygate's own trust verdict (attestation/attestation-trust.ts) with the built-in anchors and the vector's extra anchors, at its atTime. */
  trust?: { fmt: string; trusted: boolean; source?: string; reason: string };
}

export async function runVector(loaded: LoadedVector): Promise<VectorResult> {
  const { id, vector, problem } = loaded;
  if (problem) return { id, status: 'failed', reason: `malformed vector: ${problem}` };
  const skip = runtimeLimitation(vector);
  let restoreAnchors: () => void;
  try {
    restoreAnchors = addTrustAnchors(vector.extraTrustAnchorsPEM ?? {}, { allowFirstAnchor: true });
  } catch (err) {
    return { id, expect: vector.expect, status: 'failed', reason: `malformed vector: ${(err as Error).message}` };
  }
  let outcome: Outcome;
  let trust: VectorResult['trust'];
  try {
    outcome = await withPinnedClock(vector.atTime, async () => {
      const verified = await verify(vector);
      if (verified) trust = trustVerdict(vector, verified);
      return { verdict: 'valid' } as const;
    });
  } catch (err) {
    outcome = classify(err);
  } finally {
    restoreAnchors();
  }
  if (skip) return { id, expect: vector.expect, status: 'skipped', outcome, reason: skip };
  const passed = outcome.verdict === vector.expect; // a crash never equals valid|invalid
  return { id, expect: vector.expect, status: passed ? 'passed' : 'failed', outcome, ...(trust ? { trust } : {}) };
}

/**
 * keygate's trust verdict on a registration the verifier accepted, judged as the server would
 * (an injected trust service: the library's apple/android-key roots plus the vector's extra
 * anchors; no MDS3), at the vector's time. The contract says it never throws, so a throw here
 * is a runner error and fails the vector.
 */
function trustVerdict(v: Vector, verified: VerifiedRegistration): NonNullable<VectorResult['trust']> {
  const extra = new Map<string, X509Certificate[]>(
    Object.entries(v.extraTrustAnchorsPEM ?? {}).map(([format, pems]) => [format, (pems ?? []).map((pem) => new X509Certificate(pem))]),
  );
  const service = createTrustService({ anchors: mergeAnchors(builtInAnchors(), extra) });
  const verdict = service.evaluate({ fmt: verified.fmt, attStmt: verified.attStmt, aaguid: verified.aaguid, now: new Date(v.atTime ?? Date.now()) });
  return { fmt: verified.fmt, trusted: verdict.trusted, ...(verdict.source ? { source: verdict.source } : {}), reason: verdict.reason };
}

async function verify(v: Vector): Promise<VerifiedRegistration | undefined> {
  const common = {
    challenge: v.expectedChallenge,
    origins: [v.origin],
    rpId: v.rpID,
    requireUserVerification: v.requireUserVerification ?? false,
  };
  if (v.kind === 'registration') {
    return verifyRegistration(v.response, {
      ...common,
      requireUserPresence: v.requireUserPresence,
      supportedAlgorithms: algorithmsFor({ allowRs1: true }),
      safetyNetEnforceCts: v.attestationSafetyNetEnforceCTSCheck,
    });
  } else {
    const publicKey = new Uint8Array(isoBase64URL.toBuffer(v.credentialPublicKey)); // shape-checked in vectors.ts
    await verifyAuthentication(v.response, {
      ...common,
      credential: { id: v.response.id, publicKey, counter: v.prevCounter ?? 0 },
    });
  }
  return undefined;
}

function classify(err: unknown): Outcome {
  if (err instanceof KeygateError) return { verdict: 'invalid', code: err.code, errorClass: err.name, detail: err.detail };
  const e = err as Error;
  return { verdict: 'crash', error: `${e?.name ?? typeof err}: ${e?.message ?? String(err)}${e?.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}` };
}
