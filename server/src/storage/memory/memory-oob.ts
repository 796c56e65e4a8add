import { copyRecord } from './copy-record.js';
import type { OobChannelState, OobDestinations, OobSignInCode, OobStore } from '../ports.js';

/**
 * The memory store's out-of-band codes (contracts in ports.ts OobStore). Each method body
 * runs without awaiting, so each operation is atomic within the process; values are copied
 * in and out.
 */
export function createMemoryOob(): { oob: OobStore } {
  const copy = copyRecord;
  const destinations = new Map<string, OobDestinations>();
  const codes = new Map<string, OobSignInCode>();
  const sends = new Map<string, { sent: number[]; expiresAt: number }>();
  const live = <T extends { expiresAt: Date }>(x: T | undefined, now: Date): T | undefined => (x && x.expiresAt.getTime() > now.getTime() ? x : undefined);

  return {
    oob: {
      async destinations(userId, now) {
        const d = destinations.get(userId);
        if (!d) return undefined;
        const out = copy(d);
        for (const channel of ['sms', 'email'] as const) {
          const state = out[channel];
          if (state?.pending && !live(state.pending, now)) delete state.pending;
        }
        return out;
      },
      async setPending(userId, channel, pending) {
        const d = destinations.get(userId) ?? { userId };
        const state: OobChannelState = { ...d[channel], pending: copy(pending) };
        destinations.set(userId, { ...d, [channel]: state });
      },
      async reservePendingCheck(userId, channel, now, maxChecks) {
        const p = live(destinations.get(userId)?.[channel]?.pending, now);
        if (!p || p.attempts >= maxChecks) return undefined;
        p.attempts += 1;
        return copy(p);
      },
      async confirm(userId, channel, { hash, destination }, now) {
        const d = destinations.get(userId);
        const p = live(d?.[channel]?.pending, now);
        if (!d || !p || p.hash !== hash || p.destination !== destination) return false;
        d[channel] = { active: { destination, verifiedAt: new Date(now) } };
        return true;
      },
      async remove(userId, channel) {
        const d = destinations.get(userId);
        const had = d?.[channel]?.active !== undefined;
        if (d) delete d[channel];
        return had;
      },
      async putCode(code) {
        codes.set(code.id, copy(code));
        if (codes.size % 1000 === 0) for (const [k, v] of codes) if (v.expiresAt.getTime() <= code.sentAt.getTime()) codes.delete(k);
      },
      async reserveCodeCheck(id, attemptId, now, maxChecks) {
        const c = live(codes.get(id), now);
        if (!c || c.attemptId !== attemptId || c.attempts >= maxChecks) return undefined;
        c.attempts += 1;
        return copy(c);
      },
      async takeCode(id, attemptId, hash, now) {
        const c = live(codes.get(id), now);
        if (!c || c.attemptId !== attemptId || c.hash !== hash) return undefined;
        codes.delete(id);
        return c;
      },
      async deleteCode(id, hash) {
        if (codes.get(id)?.hash !== hash) return false;
        return codes.delete(id);
      },
      async claimSend(key, now, { intervalMs, windowMs, max }) {
        const t = now.getTime();
        const entry = sends.get(key);
        const sent = entry && entry.expiresAt > t ? entry.sent.filter((s) => s > t - windowMs) : [];
        const last = sent.at(-1);
        if (last !== undefined && last > t - intervalMs) return { ok: false, retryAt: new Date(last + intervalMs), limit: 'interval' };
        if (sent.length >= max) return { ok: false, retryAt: new Date(sent[sent.length - max]! + windowMs), limit: 'window' };
        sent.push(t);
        sends.set(key, { sent: sent.slice(-max), expiresAt: t + Math.max(windowMs, intervalMs) });
        if (sends.size % 1000 === 0) for (const [k, v] of sends) if (v.expiresAt <= t) sends.delete(k);
        return { ok: true };
      },
    },
  };
}
