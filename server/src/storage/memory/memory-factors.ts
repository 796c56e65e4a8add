import { copyRecord } from './copy-record.js';
import type { PasswordRecord, PasswordStore, RecoveryCodeSet, RecoveryCodeStore, SignInAttempt, SignInAttemptStore, TotpRecord, TotpStore } from '../ports.js';

/**
 * The memory store's second-factor parts: half sign-ins, passwords, TOTP and recovery codes.
 * Each method body runs without awaiting, so each operation is atomic within the process;
 * values are copied in and out (copy-record.ts), as every port requires.
 */
export function createMemoryFactors(): {
  signInAttempts: SignInAttemptStore;
  passwords: PasswordStore;
  totp: TotpStore;
  recoveryCodes: RecoveryCodeStore;
} {
  const copy = copyRecord;
  const attempts = new Map<string, SignInAttempt>();
  const passwords = new Map<string, PasswordRecord>();
  const totp = new Map<string, TotpRecord>();
  const codes = new Map<string, RecoveryCodeSet>();
  const live = (a: SignInAttempt | undefined, now: Date) => (a && a.expiresAt.getTime() > now.getTime() ? a : undefined);

  return {
    signInAttempts: {
      async put(a) {
        attempts.set(a.id, copy(a));
        if (attempts.size % 1000 === 0) for (const [k, v] of attempts) if (v.expiresAt.getTime() <= a.createdAt.getTime()) attempts.delete(k);
      },
      async get(id, now) {
        const a = live(attempts.get(id), now);
        return a && copy(a);
      },
      async take(id, attemptId, now) {
        const a = live(attempts.get(id), now);
        if (!a || a.attemptId !== attemptId) return undefined;
        attempts.delete(id);
        return a;
      },
      async delete(id) {
        return attempts.delete(id);
      },
      async deleteByUser(userId) {
        let n = 0;
        for (const [k, a] of attempts) if (a.userId === userId && attempts.delete(k)) n++;
        return n;
      },
    },
    passwords: {
      async get(userId) {
        const p = passwords.get(userId);
        return p && copy(p);
      },
      async set(record) {
        passwords.set(record.userId, copy(record));
      },
      async delete(userId) {
        return passwords.delete(userId);
      },
    },
    totp: {
      async get(userId) {
        const t = totp.get(userId);
        return t && copy(t);
      },
      async setPending(userId, pending) {
        const t = totp.get(userId) ?? { userId };
        totp.set(userId, { ...t, pending: copy(pending) });
      },
      async confirm(userId, sealedSecret, step, now) {
        const t = totp.get(userId);
        const p = t?.pending;
        if (!t || !p || p.sealedSecret !== sealedSecret || p.expiresAt.getTime() <= now.getTime()) return false;
        totp.set(userId, { userId, active: { sealedSecret, lastUsedStep: step, confirmedAt: new Date(now) } });
        return true;
      },
      async useStep(userId, sealedSecret, step) {
        const a = totp.get(userId)?.active;
        if (!a || a.sealedSecret !== sealedSecret || a.lastUsedStep >= step) return false;
        a.lastUsedStep = step;
        return true;
      },
      async remove(userId) {
        const had = totp.get(userId)?.active !== undefined;
        totp.delete(userId);
        return had;
      },
    },
    recoveryCodes: {
      async get(userId) {
        const s = codes.get(userId);
        return s && copy(s);
      },
      async replace(set) {
        codes.set(set.userId, copy(set));
      },
      async consume(userId, hash) {
        const s = codes.get(userId);
        const i = s ? s.hashes.indexOf(hash) : -1;
        if (!s || i < 0) return false;
        s.hashes.splice(i, 1);
        return true;
      },
    },
  };
}
