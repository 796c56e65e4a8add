import { createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { parse as parseCookieHeader } from 'cookie';
import { sign, unsign } from 'cookie-signature';
import type { Request, Response } from 'express';
import type { Config } from '../../config/config-schema.js';
import type { Session } from '../../storage/ports.js';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** Signed values this process has issued or verified, per signer (see CookieSigner). */
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
class CookieSigner {
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

const signers = new WeakMap<Config, CookieSigner>();
function signerFor(config: Config): CookieSigner {
  let s = signers.get(config);
  if (!s) signers.set(config, (s = new CookieSigner(config.sessionSecret)));
  return s;
}

/** The verified session id of each request (null: none), computed on first use. */
const verified = new WeakMap<Request, string | null>();

/**
 * The session cookie's name: `__Host-keygate.sid` over https (the prefix makes browsers
 * refuse it unless Secure, Path=/ and without Domain, so a sibling subdomain cannot plant
 * one), `keygate.sid` on plain-http development origins, where the prefix is not allowed.
 */
export function sessionCookieName(config: Config): string {
  return config.httpsOnly ? '__Host-keygate.sid' : 'keygate.sid';
}

/**
 * The session id from the signed cookie, or `undefined` when absent, unsigned, tampered or
 * malformed. Parsed and checked (SESSION_SECRET) the first time a route asks, once per
 * request: requests that never look at a session (probes, JWKS, the demo's files, 404s) do
 * not pay for it.
 */
export function sessionIdOf(req: Request, config: Config): string | undefined {
  let id = verified.get(req);
  if (id === undefined) verified.set(req, (id = readSessionCookie(req, config) ?? null));
  return id ?? undefined;
}

function readSessionCookie(req: Request, config: Config): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const raw = parseCookieHeader(header)[sessionCookieName(config)];
  if (raw === undefined || !raw.startsWith('s:')) return undefined;
  const id = signerFor(config).verify(raw.slice(2));
  return id !== undefined && SESSION_ID.test(id) ? id : undefined;
}

/**
 * Sets the session cookie: signed, HttpOnly, SameSite=Lax (a cross-site POST never carries
 * it), Secure over https. A signed-in session lasts SESSION_TTL_SECONDS; an anonymous one
 * ends with the browser session.
 */
export function setSessionCookie(res: Response, config: Config, id: string, session?: Session): void {
  res.cookie(sessionCookieName(config), `s:${signerFor(config).sign(id)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: config.httpsOnly,
    path: '/',
    ...(session ? { expires: session.expiresAt } : {}),
  });
}

/** Tells the browser to drop the session cookie (sign-out). */
export function clearSessionCookie(res: Response, config: Config): void {
  res.clearCookie(sessionCookieName(config), { path: '/', httpOnly: true, sameSite: 'lax', secure: config.httpsOnly });
}
