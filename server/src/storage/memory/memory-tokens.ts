import { copyRecord } from './copy-record.js';
import { sweepTrigger } from './sweep-trigger.js';
import type { IssuedToken, KeyRing, KeyRingStore, TokenStore } from '../ports.js';

/**
 * The memory store's token parts: the signing-key ring (one value, compare-and-set on its
 * version), issued tokens (unique per sign-in and audience) and revocations. Each method
 * body runs without awaiting, so each operation is atomic; values are copied in and out.
 */
export function createMemoryTokens(): { keyRing: KeyRingStore; tokens: TokenStore } {
  const copy = copyRecord;
  let ring: KeyRing | undefined;
  const issued = new Map<string, IssuedToken>();
  const byJti = new Map<string, string>();
  const revoked = new Map<string, Date>();
  const sweepDue = sweepTrigger();
  const sweep = (now: number) => {
    for (const [id, t] of issued) if (t.expiresAt.getTime() <= now) (issued.delete(id), byJti.delete(t.jti));
    for (const [jti, at] of revoked) if (at.getTime() <= now) revoked.delete(jti);
  };
  return {
    keyRing: {
      async get() {
        return ring && copy(ring);
      },
      async create(r) {
        if (ring) return false;
        ring = copy(r);
        return true;
      },
      async replace(r, expectedVersion) {
        if (!ring || ring.version !== expectedVersion) return false;
        ring = copy(r);
        return true;
      },
    },
    tokens: {
      async claimIssue(t) {
        // Tidy now and then without a clock: whatever expired a day before this token will is surely gone.
        if (sweepDue(issued.size + revoked.size)) sweep(t.expiresAt.getTime() - 86_400_000);
        const held = issued.get(t.id);
        if (held) return false;
        issued.set(t.id, copy(t));
        byJti.set(t.jti, t.id);
        return true;
      },
      async findByJti(jti, now) {
        const id = byJti.get(jti);
        const t = id === undefined ? undefined : issued.get(id);
        return t && t.expiresAt.getTime() > now.getTime() ? copy(t) : undefined;
      },
      async revoke(jti, expiresAt) {
        revoked.set(jti, new Date(expiresAt));
      },
      async isRevoked(jti, now) {
        const until = revoked.get(jti);
        return until !== undefined && until.getTime() > now.getTime();
      },
    },
  };
}
