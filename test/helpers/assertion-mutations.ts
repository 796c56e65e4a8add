/**
 * Generated assertions and their mutations, for test/unit/assertion-paths-differential.test.ts:
 * real assertions made by the SoftAuthenticator (or, for algorithms it does not sign with,
 * by node:crypto keys riding on one of its credentials), changed in every way a §7.2 check
 * or the signature step can notice. Each case is plain data, so a counterexample prints.
 *
 * - Signed edits (clientData members, clientDataJSON bytes, authData flags / counter /
 *   rpIdHash / length) happen BEFORE signing: the signature covers them, so the edit
 *   reaches the check behind it.
 * - Tampering happens AFTER signing (signature bytes flipped, cut, extended, replaced;
 *   authData or clientDataJSON changed in transit; id / rawId; the stored key replaced by
 *   another credential's or edited as a COSE map): the signature step must catch it.
 */
import { constants, createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Decoder } from 'cbor-x';
import fc from 'fast-check';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { b64url, cborEncode, SoftAuthenticator, type AssertionOverrides, type ClientData, type SoftCredential } from './soft-authenticator.js';

export const RP_ID = 'localhost';
export const ORIGIN = 'http://localhost:3000';

/** SoftAuthenticator algorithms, and those signed here with node:crypto keys. */
export const ALGS = ['ES256', 'EdDSA', 'RS256', 'ES384', 'ES512', 'PS256', 'RS1'] as const;
export type Alg = (typeof ALGS)[number];

/** A credential of each algorithm: the stored COSE key and a signer (two per alg: own + other). */
export interface TestKey {
  alg: Alg;
  cose: Uint8Array;
  /** The carrier credential in the SoftAuthenticator (its id, counter and flags are used). */
  carrier: SoftCredential;
  /** Signs like the authenticator would; `null` = the SoftAuthenticator's own signature. */
  sign: ((data: Uint8Array, variant: SignVariant) => Uint8Array) | null;
}

/** For PS256: the salt length used (WebAuthn verifiers expect the hash length, 32). */
export type SignVariant = { pssSalt: number };

const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: false } as ConstructorParameters<typeof Decoder>[0]);

export async function createTestKeys(auth: SoftAuthenticator): Promise<Record<Alg, [TestKey, TestKey]>> {
  const out = {} as Record<Alg, [TestKey, TestKey]>;
  for (const alg of ALGS) {
    const pair: TestKey[] = [];
    for (let i = 0; i < 2; i++) {
      const native = alg === 'ES256' ? -7 : alg === 'EdDSA' ? -8 : alg === 'RS256' ? -257 : undefined;
      const { credential } = await auth.createCredential({ challenge: b64url.encode(new Uint8Array(32)), alg: native ?? -7 });
      pair.push(native ? { alg, cose: credential.publicKeyCose, carrier: credential, sign: null } : { alg, carrier: credential, ...nodeSigner(alg) });
    }
    out[alg] = pair as [TestKey, TestKey];
  }
  return out;
}

function nodeSigner(alg: Alg): Pick<TestKey, 'cose' | 'sign'> {
  const ec = (namedCurve: string, crv: number, coseAlg: number, hash: string) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cborEncode(new Map<number, unknown>([[1, 2], [3, coseAlg], [-1, crv], [-2, b64url.decode(jwk.x!)], [-3, b64url.decode(jwk.y!)]]));
    return { cose, sign: (data: Uint8Array) => new Uint8Array(sign(hash, data, { key: privateKey, dsaEncoding: 'der' })) };
  };
  const rsa = (coseAlg: number, signWith: (key: KeyObject, data: Uint8Array, v: SignVariant) => Buffer) => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cborEncode(new Map<number, unknown>([[1, 3], [3, coseAlg], [-1, b64url.decode(jwk.n!)], [-2, b64url.decode(jwk.e!)]]));
    return { cose, sign: (data: Uint8Array, v: SignVariant) => new Uint8Array(signWith(privateKey, data, v)) };
  };
  switch (alg) {
    case 'ES384': return ec('P-384', 2, -35, 'sha384');
    case 'ES512': return ec('P-521', 3, -36, 'sha512');
    case 'PS256': return rsa(-37, (key, data, v) => sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: v.pssSalt }));
    case 'RS1': return rsa(-65535, (key, data) => sign('sha1', data, key));
    default: throw new Error(`${alg} is signed by the SoftAuthenticator`);
  }
}

// ---- the case ------------------------------------------------------------------------------

export type ClientDataEdit =
  | { k: 'type' | 'challenge' | 'origin' | 'topOrigin'; value: string | undefined }
  | { k: 'crossOrigin'; value: unknown }
  | { k: 'tokenBinding'; value: unknown }
  | { k: 'extra'; value: string };
export type ClientDataJSONEdit = 'not-utf8' | 'not-json' | 'array' | 'type-only' | 'whitespace';
export type AuthDataEdit =
  | { k: 'flags'; byte: number }
  | { k: 'rpId'; rpId: string }
  | { k: 'rpIdHash-byte'; at: number }
  | { k: 'cut'; length: number }
  | { k: 'append'; bytes: number[] };
export type Tamper =
  | { k: 'sig-flip'; at: number; mask: number }
  | { k: 'sig-cut'; length: number }
  | { k: 'sig-append'; bytes: number[] }
  | { k: 'sig-bogus' }
  | { k: 'sig-garbage'; bytes: number[] }
  | { k: 'authData-flip'; at: number; mask: number }
  | { k: 'clientData-challenge' }
  | { k: 'clientData-reencode' }
  | { k: 'rawId' }
  | { k: 'other-key' }
  | { k: 'cose-set'; label: number; value: unknown }
  | { k: 'cose-delete'; label: number }
  | { k: 'cose-append'; bytes: number[] }
  | { k: 'cose-cut'; length: number };

export interface Case {
  alg: Alg;
  flags: { up: boolean; uv: boolean; be: boolean; bs: boolean };
  counter: number;
  stored: { counter: number; backupEligible: boolean | undefined };
  requireUserVerification: boolean;
  pssSalt: number;
  clientData: ClientDataEdit | null;
  clientDataJSON: ClientDataJSONEdit | null;
  authData: AuthDataEdit | null;
  tamper: Tamper | null;
}

const byte = fc.integer({ min: 0, max: 255 });
const mask = fc.integer({ min: 1, max: 255 });
const counter = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 0xffffffff }));
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: arb, weight: 1 });

const clientDataEdit: fc.Arbitrary<ClientDataEdit> = fc.oneof(
  fc.record({ k: fc.constant('type' as const), value: fc.constantFrom('webauthn.create', 'webauthn.get ', '', undefined) }),
  fc.record({ k: fc.constant('challenge' as const), value: fc.constantFrom('AAAA', '', undefined) }),
  fc.record({ k: fc.constant('origin' as const), value: fc.constantFrom('http://localhost:3001', 'https://localhost:3000', 'http://evil.example', 'http://localhost:3000/', undefined) }),
  fc.record({ k: fc.constant('crossOrigin' as const), value: fc.constantFrom(true, false, undefined, 'true', 1, null) }),
  fc.record({ k: fc.constant('topOrigin' as const), value: fc.constantFrom('', ORIGIN, 'https://top.example', undefined) }),
  fc.record({ k: fc.constant('tokenBinding' as const), value: fc.constantFrom({ status: 'present', id: 'AAAA' }, { status: 'supported' }, { status: 'not-supported' }, { status: 'notSupported' }, { status: 'bogus' }, 'unused', { status: 1 }, null, [], {}) }),
  fc.record({ k: fc.constant('extra' as const), value: fc.constantFrom('other_keys_can_be_added_here', 'androidPackageName', 'extra') }),
);

const authDataEdit: fc.Arbitrary<AuthDataEdit> = fc.oneof(
  fc.record({ k: fc.constant('flags' as const), byte }),
  fc.record({ k: fc.constant('rpId' as const), rpId: fc.constantFrom('example.com', 'localhost.', 'LOCALHOST', '') }),
  fc.record({ k: fc.constant('rpIdHash-byte' as const), at: fc.integer({ min: 0, max: 31 }) }),
  fc.record({ k: fc.constant('cut' as const), length: fc.integer({ min: 0, max: 36 }) }),
  fc.record({ k: fc.constant('append' as const), bytes: fc.array(byte, { minLength: 1, maxLength: 8 }) }),
);

const COSE_LABELS = [1, 3, -1, -2, -3];
const COSE_VALUES: unknown[] = [1, 2, 3, 6, 7, 8, 0, -7, -8, -35, -36, -37, -47, -48, -257, -65535, -65536, 'ES256', new Uint8Array(0), new Uint8Array(32)];

export const tamperArbitrary: fc.Arbitrary<Tamper> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('sig-flip' as const), at: fc.nat(600), mask }) },
  fc.record({ k: fc.constant('sig-cut' as const), length: fc.nat(600) }),
  fc.record({ k: fc.constant('sig-append' as const), bytes: fc.array(byte, { minLength: 1, maxLength: 4 }) }),
  fc.constant({ k: 'sig-bogus' as const }),
  fc.record({ k: fc.constant('sig-garbage' as const), bytes: fc.array(byte, { maxLength: 80 }) }),
  { weight: 2, arbitrary: fc.record({ k: fc.constant('authData-flip' as const), at: fc.nat(40), mask }) },
  fc.constant({ k: 'clientData-challenge' as const }),
  fc.constant({ k: 'clientData-reencode' as const }),
  fc.constant({ k: 'rawId' as const }),
  { weight: 2, arbitrary: fc.constant({ k: 'other-key' as const }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('cose-set' as const), label: fc.constantFrom(...COSE_LABELS), value: fc.constantFrom(...COSE_VALUES) }) },
  fc.record({ k: fc.constant('cose-delete' as const), label: fc.constantFrom(...COSE_LABELS) }),
  fc.record({ k: fc.constant('cose-append' as const), bytes: fc.array(byte, { minLength: 1, maxLength: 4 }) }),
  fc.record({ k: fc.constant('cose-cut' as const), length: fc.nat(300) }),
);

export const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  alg: fc.constantFrom(...ALGS),
  flags: fc.record({ up: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, { arbitrary: fc.constant(false), weight: 1 }), uv: fc.boolean(), be: fc.boolean(), bs: fc.boolean() }),
  counter,
  stored: fc.record({ counter, backupEligible: fc.constantFrom(undefined, true, false) }),
  requireUserVerification: fc.boolean(),
  pssSalt: fc.constantFrom(32, 32, 32, 20, 0, 64),
  clientData: rarely(clientDataEdit),
  clientDataJSON: fc.oneof({ arbitrary: fc.constant(null), weight: 8 }, { arbitrary: fc.constantFrom<ClientDataJSONEdit>('not-utf8', 'not-json', 'array', 'type-only', 'whitespace'), weight: 1 }),
  authData: rarely(authDataEdit),
  tamper: fc.oneof({ arbitrary: fc.constant(null), weight: 2 }, { arbitrary: tamperArbitrary, weight: 3 }),
});

/** What a verifier is given for a case: the response and the stored credential. */
export interface Built {
  response: AuthenticationResponseJSON;
  challenge: string;
  credential: { id: string; publicKey: Uint8Array; counter: number; backupEligible?: boolean };
  requireUserVerification: boolean;
}

export async function buildCase(auth: SoftAuthenticator, keys: Record<Alg, [TestKey, TestKey]>, c: Case): Promise<Built> {
  const [own, other] = keys[c.alg];
  const challenge = b64url.encode(createHash('sha256').update(JSON.stringify(c)).digest());
  const overrides: AssertionOverrides = {};
  if (c.clientData) {
    const edit = c.clientData;
    overrides.clientData = (cd: ClientData) => {
      if (edit.k === 'extra') cd[edit.value] = 'x';
      else if (edit.value === undefined) delete cd[edit.k];
      else (cd as Record<string, unknown>)[edit.k] = edit.value;
    };
  }
  if (c.clientDataJSON) overrides.clientDataJSON = clientDataJSONEdit(c.clientDataJSON);
  if (c.authData) {
    const edit = c.authData;
    if (edit.k === 'rpId') overrides.rpId = edit.rpId;
    else overrides.authData = (bytes) => authDataEdited(bytes, edit);
  }
  if (own.sign) overrides.signature = (_sig, data) => own.sign!(data, { pssSalt: c.pssSalt });
  const response = await auth.getAssertion({ challenge, credentialId: own.carrier.id, flags: c.flags, counter: c.counter, overrides });
  const built: Built = {
    response,
    challenge,
    credential: { id: own.carrier.id, publicKey: own.cose, counter: c.stored.counter, ...(c.stored.backupEligible === undefined ? {} : { backupEligible: c.stored.backupEligible }) },
    requireUserVerification: c.requireUserVerification,
  };
  if (c.tamper) {
    const resign = (data: Uint8Array) => (own.sign ? own.sign(data, { pssSalt: c.pssSalt }) : signAs(own.carrier, data));
    tamperWith(built, c.tamper, { otherId: other.carrier.id, otherKey: other.cose, resign });
  }
  return built;
}

function clientDataJSONEdit(edit: ClientDataJSONEdit): (bytes: Uint8Array) => Uint8Array {
  return (bytes) => {
    const json = Buffer.from(bytes).toString('utf8');
    switch (edit) {
      case 'not-utf8': return new Uint8Array(Buffer.concat([Buffer.from([0xff]), bytes]));
      case 'not-json': return new Uint8Array(Buffer.from(json.slice(0, -1)));
      case 'array': return new Uint8Array(Buffer.from(`[${json}]`));
      case 'type-only': return new Uint8Array(Buffer.from(JSON.stringify({ type: 'webauthn.get' })));
      case 'whitespace': return new Uint8Array(Buffer.from(` ${json.replace(/,/g, ', ')}\n`));
    }
  };
}

function authDataEdited(bytes: Uint8Array, edit: Exclude<AuthDataEdit, { k: 'rpId' }>): Uint8Array {
  const out = new Uint8Array(bytes);
  switch (edit.k) {
    case 'flags': out[32] = edit.byte; return out;
    case 'rpIdHash-byte': out[edit.at] ^= 0x01; return out;
    case 'cut': return out.slice(0, edit.length);
    case 'append': return new Uint8Array(Buffer.concat([out, Buffer.from(edit.bytes)]));
  }
}

/**
 * Applies one after-signing change to `b` in place. `context`: another credential (its id for
 * `rawId`, its key for `other-key`) and, when the private key is at hand, a signer for
 * `sig-bogus` (without one, `sig-bogus` leaves the case unchanged).
 */
export function tamperWith(b: Built, t: Tamper, context: { otherId: string; otherKey: Uint8Array; resign?: (data: Uint8Array) => Uint8Array }): void {
  const r = b.response.response;
  const sig = b64url.decode(r.signature);
  const setSig = (bytes: Uint8Array) => void (r.signature = b64url.encode(bytes));
  switch (t.k) {
    case 'sig-flip': {
      if (sig.length === 0) return;
      sig[t.at % sig.length] ^= t.mask;
      return setSig(sig);
    }
    case 'sig-cut': return setSig(sig.slice(0, t.length % (sig.length + 1)));
    case 'sig-append': return setSig(new Uint8Array(Buffer.concat([sig, Buffer.from(t.bytes)])));
    case 'sig-garbage': return setSig(new Uint8Array(t.bytes));
    case 'sig-bogus': {
      // A well-formed signature by the right key over other data.
      if (!context.resign) return;
      return setSig(context.resign(new Uint8Array(Buffer.concat([b64url.decode(r.authenticatorData), Buffer.alloc(32, 7)]))));
    }
    case 'authData-flip': {
      const ad = b64url.decode(r.authenticatorData);
      if (ad.length === 0) return;
      ad[t.at % ad.length] ^= t.mask;
      r.authenticatorData = b64url.encode(ad);
      return;
    }
    case 'clientData-challenge':
    case 'clientData-reencode': {
      let cd: Record<string, unknown>;
      try {
        cd = JSON.parse(Buffer.from(b64url.decode(r.clientDataJSON)).toString('utf8')) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!cd || typeof cd !== 'object') return;
      if (t.k === 'clientData-challenge') {
        // In transit: the challenge of another ceremony, and the verifier is told to expect it.
        cd.challenge = b64url.encode(new Uint8Array(32).fill(9));
        b.challenge = cd.challenge as string;
      }
      r.clientDataJSON = b64url.encode(new Uint8Array(Buffer.from(JSON.stringify(cd, null, t.k === 'clientData-reencode' ? 1 : undefined))));
      return;
    }
    case 'rawId': b.response.rawId = context.otherId; return;
    case 'other-key': b.credential.publicKey = context.otherKey; return;
    case 'cose-set':
    case 'cose-delete': {
      let map: Map<number, unknown>;
      try {
        map = cborDecoder.decode(b.credential.publicKey) as Map<number, unknown>;
      } catch {
        return;
      }
      if (!(map instanceof Map)) return;
      if (t.k === 'cose-set') map.set(t.label, t.value);
      else map.delete(t.label);
      b.credential.publicKey = cborEncode(map);
      return;
    }
    case 'cose-append': b.credential.publicKey = new Uint8Array(Buffer.concat([b.credential.publicKey, Buffer.from(t.bytes)])); return;
    case 'cose-cut': b.credential.publicKey = b.credential.publicKey.slice(0, t.length % b.credential.publicKey.length); return;
  }
}

/** The SoftAuthenticator's signature for its own algorithms (ES256 DER, Ed25519, RS256). */
function signAs(cred: SoftCredential, data: Uint8Array): Uint8Array {
  if (cred.alg === -8) return new Uint8Array(sign(null, data, cred.privateKey));
  if (cred.alg === -7) return new Uint8Array(sign('sha256', data, { key: cred.privateKey, dsaEncoding: 'der' }));
  return new Uint8Array(sign('sha256', data, cred.privateKey));
}

/**
 * Is `sig` a DER Ecdsa-Sig-Value (RFC 3279 §2.2.3; X.690 DER): SEQUENCE { INTEGER r, INTEGER s }
 * with minimal definite lengths, minimal positive integers, and nothing after it? The test's
 * own oracle for the one class of inputs where the two paths may differ.
 */
export function isDerEcdsaSignature(sig: Uint8Array): boolean {
  if (sig[0] !== 0x30 || sig.length < 2) return false;
  let at: number;
  let length: number;
  if (sig[1]! < 0x80) [at, length] = [2, sig[1]!];
  else if (sig[1] === 0x81 && sig.length > 2 && sig[2]! >= 0x80) [at, length] = [3, sig[2]!];
  else return false;
  if (at + length !== sig.length) return false;
  for (let n = 0; n < 2; n++) {
    if (sig[at] !== 0x02 || at + 1 >= sig.length) return false;
    const len = sig[at + 1]!;
    const start = at + 2;
    if (len < 1 || len >= 0x80 || start + len > sig.length) return false;
    if (sig[start]! & 0x80) return false; // negative
    if (len > 1 && sig[start] === 0 && !(sig[start + 1]! & 0x80)) return false; // not minimal
    at = start + len;
  }
  return at === sig.length;
}
