import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { sign, unsign } from 'cookie-signature';
import type { Config } from '../config/config-schema.js';

/** Signed values a signer remembers (see CookieSigner). */
const REMEMBERED = 10_000;

/**
 * Signs and checks session cookies under SESSION_SECRET, in the format of Express's signed
 * cookies (`s:` + cookie-signature's `value.HMAC-SHA256`), so cookies issued before this
 * module replaced cookie-parser stay valid.
 *
 * A sign-in reads the cookie twice (options, result) and sets a new one: three HMACs per
 * sign-in. The signer remembers, per session id, the signed value it last issued or verified
 * (at most REMEMBERED ids, oldest dropped first); a cookie whose id it remembers is checked by
 * a constant-time comparison with that value instead of a new HMAC, and anything else by
 * cookie-signature's `unsign` (HMAC + timingSafeEqual). Only values that carried a valid
 * signature are ever remembered, so the shortcut accepts exactly what `unsign` would.
 */
export class CookieSigner {
  readonly #key: KeyObject;
  readonly #known = new Map<string, Buffer>();

  constructor(secret: string) {
    this.#key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** `id.signature`. */
  sign(id: string): string {
    const signed = sign(id, this.#key);
    this.#remember(id, signed);
    return signed;
  }

  /** The id of a `id.signature` value, or `undefined` unless the signature is valid. */
  verify(signed: string): string | undefined {
    const id = signed.slice(0, signed.lastIndexOf('.'));
    const known = this.#known.get(id);
    if (known !== undefined) {
      const given = Buffer.from(signed, 'utf8');
      return given.length === known.length && timingSafeEqual(given, known) ? id : undefined;
    }
    const checked = unsign(signed, this.#key);
    if (checked === false) return undefined;
    this.#remember(checked, signed);
    return checked;
  }

  #remember(id: string, signed: string): void {
    this.#known.delete(id);
    this.#known.set(id, Buffer.from(signed, 'utf8'));
    if (this.#known.size > REMEMBERED) this.#known.delete(this.#known.keys().next().value!);
  }
}

const signers = new WeakMap<Pick<Config, 'sessionSecret'>, CookieSigner>();

/** The signer of an app's SESSION_SECRET, one per config (it goes when the config does). */
export function sessionCookieSigner(config: Pick<Config, 'sessionSecret'>): CookieSigner {
  let s = signers.get(config);
  if (!s) signers.set(config, (s = new CookieSigner(config.sessionSecret)));
  return s;
}
