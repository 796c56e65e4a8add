/**
 * Runs a function with the global clock pinned to one instant. Used by scripts/conformance.ts
 * (`npm run conformance -- <file>`) for each vector's `atTime`; not run directly.
 *
 * Why the global `Date`: @simplewebauthn/server takes no clock parameter. It reads the time
 * through the global `Date` wherever it judges time: `new Date(Date.now())` for certificate
 * validity in validateCertificatePath, `new Date()` in verifyAttestationPacked and
 * verifyAttestationTPM (attestation certificate validity), `Date.now()` for the SafetyNet
 * timestampMs window, `new Date()` in isCertRevoked's CRL cache. @peculiar/x509 defaults its
 * verification date to `new Date()` too. Recorded attestation certificates (Apple's live three
 * days, TPM AIKs a few years) have long expired, so each vector is verified "as of" the time it
 * was recorded, exactly as the source test suites did with FakeTime / X509Store.set_time.
 *
 * While pinned, `new Date()` and `Date.now()` return the pinned instant; `new Date(x)`,
 * `Date.parse`, `Date.UTC` behave normally and instances are real `Date`s (`instanceof Date`
 * holds either way). The real `Date` is restored in `finally`, even when `fn` throws. The
 * clock is process-global, so callers must not run two pinned functions concurrently.
 */
export async function withPinnedClock<T>(atIso: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (atIso === undefined) return fn();
  const pinned = Date.parse(atIso);
  if (Number.isNaN(pinned)) throw new TypeError(`cannot pin the clock to ${JSON.stringify(atIso)}`);
  const RealDate = globalThis.Date;

  class PinnedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(pinned);
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
    static override now(): number {
      return pinned;
    }
  }

  globalThis.Date = PinnedDate as DateConstructor;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
