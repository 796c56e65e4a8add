/**
 * Conformance runner: checks keygate's WebAuthn verification against a corpus of recorded
 * real-authenticator responses, each labelled `expect: valid | invalid` (format:
 * /work/shared/conformance/README.md).
 *
 *   npm run conformance -- <vectors.json> [--verbose]
 *   (until the script exists: node_modules/.bin/tsx scripts/conformance.ts <vectors.json>)
 *
 * Every vector goes through keygate's own verifyRegistration / verifyAuthentication, the code
 * behind the HTTP endpoints, one at a time (the clock and trust roots are process-global),
 * with the network blocked (scripts/conformance/no-network.ts), the clock pinned to the
 * vector's `atTime` (pin-clock.ts) and its `extraTrustAnchorsPEM` trusted
 * (server/src/attestation/trust-anchors.ts). A vector passes when keygate's verdict equals
 * `expect`. One that needs an algorithm this runtime lacks (ML-DSA on Node 20) is skipped with
 * the reason; an exception other than a KeygateError always fails.
 *
 * Output: one line per disagreement and per skip (with --verbose, per vector), then exactly
 * `N passed, N failed, N skipped`. Vectors listed in conformance/disputed.ts (the corpus
 * contradicts itself on them) are reported as SKIP with the reason. Exit code 1 when anything failed, 2 on bad usage.
 */
import { DISPUTED } from './conformance/disputed.js';
import { blockNetwork } from './conformance/no-network.js';
import { runVector, type Outcome, type VectorResult } from './conformance/run-vector.js';
import { loadVectors } from './conformance/vectors.js';

async function main(argv: string[]): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const files = argv.filter((a) => !a.startsWith('-'));
  if (files.length !== 1 || argv.some((a) => a.startsWith('-') && a !== '--verbose' && a !== '-v')) {
    console.error('usage: npm run conformance -- <vectors.json> [--verbose]');
    return 2;
  }
  const vectors = await loadVectors(files[0]);
  const network = blockNetwork();
  const counts = { passed: 0, failed: 0, skipped: 0 };
  /** keygate's trust verdicts on accepted registrations, per format: [trusted, all]. */
  const trust = new Map<string, [number, number]>();
  try {
    for (const loaded of vectors) {
      let result: VectorResult;
      try {
        result = await runVector(loaded);
      } catch (err) {
        // runVector classifies verifier errors itself; this is a runner bug, kept per vector.
        result = { id: loaded.id, status: 'failed', reason: `runner error: ${(err as Error)?.stack ?? String(err)}` };
      }
      if (result.status === 'failed' && DISPUTED[result.id]) result = { ...result, status: 'skipped', reason: DISPUTED[result.id] };
      counts[result.status] += 1;
      if (result.trust) {
        const [t, n] = trust.get(result.trust.fmt) ?? [0, 0];
        trust.set(result.trust.fmt, [t + (result.trust.trusted ? 1 : 0), n + 1]);
        if (verbose) console.log(`     trust ${result.id}: ${result.trust.trusted ? `trusted (${result.trust.source})` : 'not trusted'}: ${result.trust.reason}`);
      }
      const crl = network.take();
      if (verbose || result.status !== 'passed') console.log(describe(result, verbose ? crl : []));
    }
  } finally {
    network.restore();
  }
  // Informational (the corpus labels validity, not trust): how many accepted registrations keygate's own trust verdict trusts.
  console.log(`keygate trust verdicts on accepted registrations: ${[...trust].sort().map(([fmt, [t, n]]) => `${fmt} ${t}/${n}`).join(', ') || 'none'}`);
  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed > 0 ? 1 : 0;
}

function describe(r: VectorResult, crlAttempts: string[]): string {
  const tag = { passed: 'ok  ', failed: 'FAIL', skipped: 'SKIP' }[r.status];
  const parts = [`${tag} ${r.id}:`];
  if (r.expect) parts.push(`expected ${r.expect}, got ${r.outcome ? got(r.outcome) : 'no verdict'}`);
  if (r.reason) parts.push(`${r.expect ? '- ' : ''}${r.reason}`);
  let line = parts.join(' ');
  if (crlAttempts.length > 0) line += `\n       (CRL lookups blocked, counted not revoked: ${crlAttempts.join(', ')})`;
  return line;
}

function got(o: Outcome): string {
  if (o.verdict === 'valid') return 'valid';
  if (o.verdict === 'invalid') return `invalid [${o.code}${o.errorClass === 'VerificationError' ? '' : ` ${o.errorClass}`}] ${oneLine(o.detail ?? '')}`.trimEnd();
  return `UNEXPECTED EXCEPTION (not a VerificationError) ${o.error}`;
}

/** Library messages embed whole PEM certificates; keep each verdict on one line. */
function oneLine(detail: string): string {
  return detail.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '[certificate]').replace(/\s+/g, ' ');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
