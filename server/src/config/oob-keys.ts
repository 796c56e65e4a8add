import { z } from 'zod';
import type { ConfigKey } from './config-values.js';

/**
 * The configuration keys of one-time codes by SMS and email (ceremonies/oob-login.ts,
 * manage-oob.ts), part of configKeys. That the delivery adapter can carry each enabled
 * channel is checked by oobConfigProblem (with the other cross-key rules).
 */
export const oobKeys = {
  oobChannels: {
    env: 'OOB_CHANNELS',
    doc: 'Comma-separated channels one-time sign-in codes may be sent on: `sms`, `email`, or both. Empty: off. Each needs DELIVERY to carry it (not `none`; SMTP carries email only). A role counts them only where its policy lists them (the built-in user role does; admin never).',
    default: '',
    schema: z
      .string()
      .transform((s) => [...new Set(s.split(',').map((c) => c.trim().toLowerCase()).filter(Boolean))].sort())
      .pipe(z.array(z.enum(['email', 'sms'], { message: 'must be a list of sms and email' }))),
  },
  oobIpSendsPerHour: {
    env: 'OOB_IP_SENDS_PER_HOUR',
    doc: 'How many one-time codes (sign-in and enrolment, SMS and email) one client IP (IPv6: per /64) may have sent in any hour, across every instance; beyond it 429 code_send_limited. Per user and per destination the limits are fixed: 1 per 30 s, 5 per hour.',
    default: '20',
    schema: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(10_000, 'must be at most 10000'),
  },
} satisfies Record<string, ConfigKey<unknown>>;

/**
 * The rule spanning OOB_CHANNELS and DELIVERY: the one line, starting with the offending
 * key, that start-up must refuse, or undefined.
 */
export function oobConfigProblem(c: { oobChannels: readonly string[]; delivery: string }): string | undefined {
  if (c.oobChannels.length === 0) return undefined;
  if (c.delivery === 'none') return `OOB_CHANNELS (${c.oobChannels.join(',')}) needs a DELIVERY that can send them (webhook, smtp for email, or dev); DELIVERY is none`;
  if (c.delivery === 'smtp' && c.oobChannels.includes('sms')) return 'OOB_CHANNELS includes sms, but DELIVERY=smtp carries email only (use DELIVERY=webhook for SMS)';
  return undefined;
}
