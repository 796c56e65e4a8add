// The core functions with the full ('max') metadata, imported as the JS module the package ships
// for it (the 'libphonenumber-js/max' entry imports the .json file itself).
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';
import { z } from 'zod';
import type { OobChannel } from '../../storage/ports.js';

/** Number types that can receive an SMS; premium-rate, toll-free, shared-cost numbers and landlines are refused (SMS pumping, toll fraud). */
const SMS_TYPES = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);
const email = z.email();

/**
 * A destination as typed, validated and normalised, or the reason it is refused:
 * - `sms`: a phone number in international format (`+` and the country code), parsed and
 *   checked against the numbering plan by libphonenumber-js (Google's libphonenumber
 *   metadata, maintained), normalised to E.164 (`+33612345678`), mobile numbers only;
 * - `email`: a single address (zod's email check), trimmed, domain lower-cased.
 */
export function normalizeDestination(channel: OobChannel, input: string): { ok: true; destination: string } | { ok: false; problem: string } {
  const raw = input.trim();
  if (channel === 'email') {
    if (raw.length > 254 || !email.safeParse(raw).success) return { ok: false, problem: 'is not an email address' };
    const at = raw.lastIndexOf('@');
    return { ok: true, destination: `${raw.slice(0, at)}@${raw.slice(at + 1).toLowerCase()}` };
  }
  if (!raw.startsWith('+')) return { ok: false, problem: 'must be in international format, starting with + and the country code' };
  const phone = parsePhoneNumberFromString(raw, metadata);
  if (!phone || !phone.isValid()) return { ok: false, problem: 'is not a valid phone number' };
  const type = phone.getType();
  if (type === undefined || !SMS_TYPES.has(type)) return { ok: false, problem: `is not a mobile number (${type ?? 'unknown type'})` };
  return { ok: true, destination: phone.number };
}

/** The destination as replies show it: enough for its owner to recognise, not enough to contact (`+33•••••••78`, `a•••@example.com`). */
export function maskDestination(channel: OobChannel, destination: string): string {
  if (channel === 'sms') return `${destination.slice(0, 3)}${'•'.repeat(Math.max(0, destination.length - 5))}${destination.slice(-2)}`;
  const at = destination.lastIndexOf('@');
  return `${destination.slice(0, 1)}•••${destination.slice(at)}`;
}
