/**
 * Cuts the conformance run off the network. Used by scripts/conformance.ts
 * (`npm run conformance -- <file>`); not run directly.
 *
 * The only network access in verification is the CRL download in @simplewebauthn/server's
 * isCertRevoked, made through helpers/fetch.js. Its test seam `_fetchInternals.stubThis` is
 * not reachable: the package's `exports` map exposes only "." and "./helpers", and
 * helpers/index.js does not re-export fetch.js. But the seam's default calls
 * `globalThis.fetch(url)` at call time, so replacing `globalThis.fetch` for the run is enough.
 * The replacement rejects at once; isCertRevoked catches a failed download and moves on, so a
 * certificate whose CRL cannot be fetched counts as "not revoked" (fail closed to not-revoked,
 * as the corpus sources do), and nothing is cached. Every attempted URL is recorded.
 */
export interface NetworkGuard {
  /** URLs requested since the last `take()`, which also clears the list. */
  take(): string[];
  /** Puts the real `fetch` back. */
  restore(): void;
}

export function blockNetwork(): NetworkGuard {
  const realFetch = globalThis.fetch;
  let attempts: string[] = [];
  const blocked = (input: string | URL | Request): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    attempts.push(url);
    return Promise.reject(new TypeError(`network access is disabled in the conformance run (${url})`));
  };
  globalThis.fetch = blocked as typeof fetch;
  return {
    take() {
      const taken = attempts;
      attempts = [];
      return taken;
    },
    restore() {
      globalThis.fetch = realFetch;
    },
  };
}
