import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { Random } from '../../lib/random.js';

/**
 * TOTP (RFC 6238) through the maintained `otpauth` library; QR codes through `qrcode`.
 * keygate's authenticator-app profile is the one every app supports: SHA-1, 6 digits, 30 s
 * steps, a 160-bit secret (RFC 4226 §4 recommends 160), and ±1 step of clock drift.
 * Other parameters exist only for the RFC 6238 Appendix B vectors.
 */
export interface TotpParams {
  algorithm: 'SHA1' | 'SHA256' | 'SHA512';
  digits: number;
  period: number;
}

export const TOTP_PROFILE: TotpParams = { algorithm: 'SHA1', digits: 6, period: 30 };
/** Accepted drift: codes of the previous and the next step count too. */
export const TOTP_WINDOW = 1;

/** A fresh 20-byte secret from the injected randomness, base32 (what authenticator apps take). */
export function newTotpSecret(random: Random): string {
  // Copied into a fresh array: a Buffer's .buffer can be the whole shared 8 KiB pool.
  return new OTPAuth.Secret({ buffer: new Uint8Array(random.bytes(20)).buffer }).base32;
}

/** The time step (RFC 6238 T) that `at` falls in. */
export function totpStep(at: Date, params: TotpParams = TOTP_PROFILE): number {
  return Math.floor(at.getTime() / 1000 / params.period);
}

/** The code for the step `at` falls in. */
export function totpCode(secretBase32: string, at: Date, params: TotpParams = TOTP_PROFILE): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secretBase32), timestamp: at.getTime(), ...params });
}

/**
 * The step `code` is valid for, within ±TOTP_WINDOW steps of `at` (compared in constant
 * time by otpauth), or `undefined`. Anything but exactly `digits` ASCII digits never matches.
 * Whether that step was already used is the store's compare-and-set (TotpStore.useStep).
 */
export function matchTotpStep(secretBase32: string, code: string, at: Date, params: TotpParams = TOTP_PROFILE): number | undefined {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return undefined;
  const delta = OTPAuth.TOTP.validate({ token: code, secret: OTPAuth.Secret.fromBase32(secretBase32), timestamp: at.getTime(), window: TOTP_WINDOW, ...params });
  return delta === null ? undefined : totpStep(at, params) + delta;
}

/** The otpauth:// key URI (issuer = RP name, account = username) that authenticator apps scan. */
export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  return new OTPAuth.TOTP({ issuer, label: account, secret: OTPAuth.Secret.fromBase32(secretBase32), ...TOTP_PROFILE }).toString();
}

/** The key URI as a PNG QR code data URL (shown by the demo; the CSP allows data: images). */
export function qrCodeDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
}
