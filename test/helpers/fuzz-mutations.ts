/**
 * Mutations of REAL WebAuthn responses for the fuzz suite: the soft authenticator makes a
 * genuine attestation or assertion for a live challenge, and these edits change it on the
 * way, at the layer each one names:
 * - clientData / authData edits run BEFORE signing (the signature covers the edited bytes,
 *   so the edit reaches the check behind the signature);
 * - attStmt edits change the attestation statement map before it is encoded;
 * - attestationObject edits rewrite the encoded CBOR: bytes flipped, cut, extended, headers
 *   claiming absurd lengths (a byte string of 2^32 bytes), the top-level map rebuilt with
 *   wrong, missing, renamed, duplicated or extra keys, wrong value types, tags, indefinite
 *   lengths, deep nesting;
 * - signature edits replace or damage the assertion signature (DER with absurd lengths, ...);
 * - JSON edits change the PublicKeyCredential JSON after signing (ids, type, userHandle, ...).
 *
 * Every edit is plain data (printable in a counterexample); positions are fractions of the
 * length, so an edit means the same on inputs of any size.
 */
import { createHash } from 'node:crypto';
import { Decoder, Tag } from 'cbor-x';
import fc from 'fast-check';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { hostileValue, Ref, resolveString } from './fuzz-arbitraries.js';
import type { WorldValues } from './fuzz-world.js';
import { cborEncode, type AssertionOverrides, type RegistrationOverrides } from './soft-authenticator.js';

const decoder = new Decoder({ useRecords: false, mapsAsObjects: false } as ConstructorParameters<typeof Decoder>[0]);
const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const pos = (f: number, len: number) => Math.min(len, Math.floor(f * (len + 1)));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

// ---- bytes --------------------------------------------------------------------------------

/** CBOR item headers that declare far more than follows, or are reserved / unterminated. */
export const ABSURD_HEADERS: readonly number[][] = [
  [0x5a, 0xff, 0xff, 0xff, 0xff], // byte string, 2^32-1 bytes
  [0x5b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00], // byte string, 2^32 bytes
  [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // byte string, 2^64-1 bytes
  [0x7a, 0xff, 0xff, 0xff, 0xff], // text string, 2^32-1
  [0x9a, 0xff, 0xff, 0xff, 0xff], // array of 2^32-1 items
  [0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // array of 2^63-1 items
  [0xba, 0xff, 0xff, 0xff, 0xff], // map of 2^32-1 pairs
  [0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // map of 2^64-1 pairs
  [0x59, 0xff, 0xff], // byte string, 65535
  [0x5f], // indefinite byte string, never broken
  [0x9f], // indefinite array, never broken
  [0xbf], // indefinite map, never broken
  [0x5c], [0x7d], [0x9e], [0xbc], // reserved additional info 28-30
  [0xff], // a lone break
  [0xdb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // tag 2^64-1
  [0xd9, 0xd9, 0xf7], // self-describe tag
  [0xc2, 0x5a, 0xff, 0xff, 0xff, 0xff], // bignum of 2^32-1 bytes
];

export type ByteEdit =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'set'; at: number; byte: number }
  | { k: 'cut'; at: number }
  | { k: 'extend'; bytes: Uint8Array }
  | { k: 'insert'; at: number; bytes: Uint8Array }
  | { k: 'delete'; at: number; n: number }
  | { k: 'replace'; bytes: Uint8Array }
  | { k: 'repeat'; times: number }
  | { k: 'header'; at: number; which: number }
  | { k: 'deepArray'; depth: number };

export const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('set' as const), at: frac, byte: fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x5a, 0x9f, 0xbf, 0xf6, 0xf7, 0x18) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('cut' as const), at: frac }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('insert' as const), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('delete' as const), at: frac, n: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('replace' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('repeat' as const), times: fc.integer({ min: 2, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('header' as const), at: frac, which: fc.nat(ABSURD_HEADERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('deepArray' as const), depth: fc.constantFrom(100, 1000, 10_000) }) },
);

export function applyByteEdit(b: Uint8Array, e: ByteEdit): Uint8Array {
  const out = new Uint8Array(b);
  switch (e.k) {
    case 'flip':
      if (b.length === 0) return b;
      out[Math.min(b.length - 1, pos(e.at, b.length))]! ^= 1 << e.bit;
      return out;
    case 'set':
      if (b.length === 0) return b;
      out[Math.min(b.length - 1, pos(e.at, b.length))] = e.byte;
      return out;
    case 'cut':
      return b.slice(0, pos(e.at, b.length));
    case 'extend':
      return concat(b, e.bytes);
    case 'insert': {
      const at = pos(e.at, b.length);
      return concat(b.slice(0, at), e.bytes, b.slice(at));
    }
    case 'delete': {
      const at = pos(e.at, b.length);
      return concat(b.slice(0, at), b.slice(at + e.n));
    }
    case 'replace':
      return new Uint8Array(e.bytes);
    case 'repeat':
      return concat(...Array.from({ length: e.times }, () => b));
    case 'header': {
      // Overwrite the bytes at `at` with the header; what follows is far shorter than it claims.
      const h = Uint8Array.from(ABSURD_HEADERS[e.which]!);
      const at = pos(e.at, b.length);
      return concat(b.slice(0, at), h, b.slice(at + 1));
    }
    case 'deepArray':
      return concat(new Uint8Array(e.depth).fill(0x81), Uint8Array.of(0x00));
  }
}

export const applyByteEdits = (b: Uint8Array, edits: ByteEdit[]) => edits.reduce(applyByteEdit, b);

// ---- CBOR values --------------------------------------------------------------------------

/** Any CBOR item cbor-x can write: the wrong type for whatever slot it lands in. */
export const cborValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.constantFrom(0, -1, 2 ** 32, -(2 ** 32), 2 ** 53, 1.5, -0, Number.NaN, Infinity, 2n ** 64n - 1n, -(2n ** 64n), true, false, null, undefined),
    fc.uint8Array({ maxLength: 80 }),
    fc.string({ maxLength: 20 }),
    fc.constantFrom('packed', 'none', 'fido-u2f', 'tpm', 'apple', 'android-key', 'android-safetynet', 'compound', ''),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: -4, max: 4 }), fc.constantFrom('fmt', 'alg', 'sig', 'x5c', 'authData', 'attStmt')), tie('v')), { maxLength: 4 }).map((pairs) => new Map(pairs)),
    fc.tuple(fc.constantFrom(0, 1, 2, 3, 24, 32, 55799, 259, 262), tie('v')).map(([tag, v]) => new Tag(v, tag)),
  ),
})).v;

// ---- clientDataJSON -----------------------------------------------------------------------

export type ClientDataEdit =
  | { k: 'set'; field: string; value: unknown }
  | { k: 'delete'; field: string }
  | { k: 'bytes'; edit: ByteEdit }
  | { k: 'raw'; text: string };

const clientDataField = fc.constantFrom('type', 'challenge', 'origin', 'crossOrigin', 'topOrigin', 'tokenBinding', 'extra', '__proto__', 'androidPackageName');
const clientDataValue = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('webauthn.create', 'webauthn.get', 'payment.get', 'WEBAUTHN.GET') },
  { weight: 2, arbitrary: fc.constantFrom('http://localhost:3000', 'http://localhost:3000/', 'https://localhost:3000', 'http://localhost', 'http://evil.example', 'android:apk-key-hash:AAAA', 'ios:bundle-id:x', 'null') },
  { weight: 1, arbitrary: fc.constantFrom(true, false, 'false', 1, { status: 'present', id: 'AAAA' }, { status: 'supported' }, { status: 'not-supported' }, 'present') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('base64url')) },
  { weight: 2, arbitrary: hostileValue },
);
export const clientDataEdit: fc.Arbitrary<ClientDataEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('set' as const), field: clientDataField, value: clientDataValue }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('delete' as const), field: fc.constantFrom('type', 'challenge', 'origin', 'crossOrigin') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('bytes' as const), edit: byteEdit }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('raw' as const),
      text: fc.constantFrom('', 'null', '[]', '"x"', '{', '\ufeff{"type":"webauthn.get"}', '{"type":"webauthn.get","challenge":{},"origin":[]}', '{"type":"webauthn.create","challenge":"","origin":""}', '\u0000'),
    }),
  },
);

/** Challenge edits keep the real challenge's neighbourhood (padding, alphabet, case). */
function editClientData(cd: Record<string, unknown>, edits: ClientDataEdit[]): void {
  for (const e of edits) {
    if (e.k === 'set') Object.defineProperty(cd, e.field, { value: e.value, enumerable: true, writable: true, configurable: true });
    if (e.k === 'delete') delete cd[e.field];
  }
}

function editClientDataBytes(bytes: Uint8Array, edits: ClientDataEdit[]): Uint8Array {
  let b = bytes;
  for (const e of edits) {
    if (e.k === 'bytes') b = applyByteEdit(b, e.edit);
    if (e.k === 'raw') b = new Uint8Array(Buffer.from(e.text));
  }
  return b;
}

// ---- authenticator data -------------------------------------------------------------------

export type AuthDataEdit =
  | { k: 'flags'; xor: number }
  | { k: 'counter'; value: number }
  | { k: 'rpIdHash'; rpId: string }
  | { k: 'credIdLen'; value: number }
  | { k: 'aaguid'; bytes: Uint8Array }
  | { k: 'cose'; cose: 'value' | 'header' | 'bytes'; value?: unknown; which?: number; edit?: ByteEdit; key?: number }
  | { k: 'extensions'; value: unknown; setEd: boolean; header?: number }
  | { k: 'bytes'; edit: ByteEdit };

const coseKey = fc.constantFrom(1, 3, -1, -2, -3, -4, 2, 4, 5, 100);
const coseValue = fc.oneof(
  fc.constantFrom(1, 2, 3, 4, 6, -7, -8, -35, -36, -257, -65535, 0, 99, 2 ** 53),
  fc.uint8Array({ maxLength: 70 }),
  fc.constantFrom(new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(4096)),
  cborValue,
);
export const authDataEdit = (registration: boolean): fc.Arbitrary<AuthDataEdit> => {
  const common: fc.Arbitrary<AuthDataEdit>[] = [
    fc.record({ k: fc.constant('flags' as const), xor: fc.constantFrom(0x01, 0x02, 0x04, 0x08, 0x10, 0x18, 0x20, 0x40, 0x80, 0xc0, 0xff) }),
    fc.record({ k: fc.constant('counter' as const), value: fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 2) }),
    fc.record({ k: fc.constant('rpIdHash' as const), rpId: fc.constantFrom('evil.example', 'LOCALHOST', 'localhost.', 'http://localhost:3000', '') }),
    fc.record({ k: fc.constant('extensions' as const), value: fc.oneof(cborValue, fc.constant(new Map<unknown, unknown>([['credProtect', 2], ['hmac-secret', true]]))), setEd: fc.boolean(), header: fc.option(fc.nat(ABSURD_HEADERS.length - 1), { nil: undefined }) }),
    fc.record({ k: fc.constant('bytes' as const), edit: byteEdit }),
  ];
  if (!registration) return fc.oneof(...common);
  return fc.oneof(
    ...common,
    fc.record({ k: fc.constant('credIdLen' as const), value: fc.constantFrom(0, 1, 31, 33, 1023, 1024, 1025, 0xffff) }),
    fc.record({ k: fc.constant('aaguid' as const), bytes: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    fc.record({ k: fc.constant('cose' as const), cose: fc.constant('value' as const), key: coseKey, value: fc.oneof(coseValue, fc.constant(undefined)) }),
    fc.record({ k: fc.constant('cose' as const), cose: fc.constant('header' as const), which: fc.nat(ABSURD_HEADERS.length - 1) }),
    fc.record({ k: fc.constant('cose' as const), cose: fc.constant('bytes' as const), edit: byteEdit }),
  );
};

const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return new Uint8Array(b);
};

/** Splits registration authData (no extensions, as the soft authenticator makes it) around the COSE key. */
function splitAttested(b: Uint8Array): { head: Uint8Array; cose: Uint8Array } | undefined {
  if (b.length < 55 || !(b[32]! & 0x40)) return undefined;
  const credLen = (b[53]! << 8) | b[54]!;
  const start = 55 + credLen;
  if (start > b.length) return undefined;
  return { head: b.slice(0, start), cose: b.slice(start) };
}

export function applyAuthDataEdit(b: Uint8Array, e: AuthDataEdit): Uint8Array {
  const out = new Uint8Array(b);
  switch (e.k) {
    case 'flags':
      if (out.length > 32) out[32]! ^= e.xor;
      return out;
    case 'counter':
      if (out.length >= 37) out.set(u32be(e.value), 33);
      return out;
    case 'rpIdHash':
      if (out.length >= 32) out.set(createHash('sha256').update(e.rpId).digest(), 0);
      return out;
    case 'credIdLen':
      if (out.length >= 55) out.set([e.value >> 8, e.value & 0xff], 53);
      return out;
    case 'aaguid':
      if (out.length >= 53) out.set(e.bytes, 37);
      return out;
    case 'cose': {
      const parts = splitAttested(b);
      if (!parts) return out;
      let cose: Uint8Array;
      if (e.cose === 'header') cose = concat(Uint8Array.from(ABSURD_HEADERS[e.which!]!), parts.cose.slice(1));
      else if (e.cose === 'bytes') cose = applyByteEdit(parts.cose, e.edit!);
      else {
        let map: Map<unknown, unknown>;
        try {
          map = decoder.decode(parts.cose) as Map<unknown, unknown>;
        } catch {
          return out;
        }
        if (!(map instanceof Map)) return out;
        if (e.value === undefined) map.delete(e.key);
        else map.set(e.key, e.value);
        cose = cborEncode(map);
      }
      return concat(parts.head, cose);
    }
    case 'extensions': {
      if (e.setEd && out.length > 32) out[32]! |= 0x80;
      const ext = cborEncode(e.value);
      return concat(out, e.header === undefined ? ext : concat(Uint8Array.from(ABSURD_HEADERS[e.header]!), ext));
    }
    case 'bytes':
      return applyByteEdit(b, e.edit);
  }
}

// ---- attestation statement and object -----------------------------------------------------

export type AttStmtEdit =
  | { k: 'drop'; key: string }
  | { k: 'set'; key: string; value: unknown }
  | { k: 'x5c'; how: 'empty' | 'garbage' | 'cut' | 'many' | 'notArray' | 'nested' | 'edit'; edit?: ByteEdit }
  | { k: 'replace'; value: unknown };

const attStmtKey = fc.constantFrom('sig', 'alg', 'x5c', 'ecdaaKeyId', 'ver', 'certInfo', 'pubArea', 'response', 'receipt');
export const attStmtEdit: fc.Arbitrary<AttStmtEdit> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ k: fc.constant('drop' as const), key: fc.constantFrom('sig', 'alg', 'x5c') }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('set' as const), key: attStmtKey, value: fc.oneof(fc.constantFrom(-7, -8, -257, -999, 0, 'ES256', 2 ** 53), cborValue) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('x5c' as const), how: fc.constantFrom('empty' as const, 'garbage' as const, 'cut' as const, 'many' as const, 'notArray' as const, 'nested' as const, 'edit' as const), edit: byteEdit }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('replace' as const), value: cborValue }) },
);

function editAttStmt(m: Map<string, unknown>, edits: AttStmtEdit[]): Map<string, unknown> {
  let out: Map<string, unknown> = m;
  for (const e of edits) {
    if (!(out instanceof Map)) break;
    if (e.k === 'drop') out.delete(e.key);
    if (e.k === 'set') out.set(e.key, e.value);
    if (e.k === 'replace') out = e.value as Map<string, unknown>;
    if (e.k === 'x5c') {
      const x5c = out.get('x5c');
      const first = Array.isArray(x5c) && x5c[0] instanceof Uint8Array ? x5c[0] : new Uint8Array(300).fill(0x30);
      const v: Record<typeof e.how, unknown> = {
        empty: [],
        garbage: [new Uint8Array(64).fill(0x41)],
        cut: [first.slice(0, Math.floor(first.length / 2))],
        many: Array.from({ length: 40 }, () => first),
        notArray: first,
        nested: [[first]],
        edit: [applyByteEdit(first, e.edit!)],
      };
      out.set('x5c', v[e.how]);
    }
  }
  return out;
}

export type AttObjEdit =
  | { k: 'bytes'; edit: ByteEdit }
  | { k: 'key'; which: 'fmt' | 'attStmt' | 'authData'; to: 'drop' | 'rename' | 'value'; name?: unknown; value?: unknown }
  | { k: 'extraKey'; key: unknown; value: unknown }
  | { k: 'absurdAuthData'; which: number }
  | { k: 'duplicate'; which: 'fmt' | 'attStmt' | 'authData' }
  | { k: 'shape'; to: 'array' | 'tagged' | 'indefiniteMap' | 'indefiniteAuthData' | 'intKeys' | 'twoItems' };

export const attObjEdit: fc.Arbitrary<AttObjEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('bytes' as const), edit: byteEdit }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('key' as const),
      which: fc.constantFrom('fmt' as const, 'attStmt' as const, 'authData' as const),
      to: fc.constantFrom('drop' as const, 'rename' as const, 'value' as const),
      name: fc.oneof(fc.constantFrom('FMT', 'authdata', 'attstmt', '', 1, 2, 3, -1), fc.string({ maxLength: 8 })),
      value: cborValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('extraKey' as const), key: fc.oneof(fc.constantFrom('epAtt', 'largeBlobKey', 'fmt ', 1, 4), fc.string({ maxLength: 8 })), value: cborValue }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('absurdAuthData' as const), which: fc.nat(ABSURD_HEADERS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('duplicate' as const), which: fc.constantFrom('fmt' as const, 'attStmt' as const, 'authData' as const) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('shape' as const), to: fc.constantFrom('array' as const, 'tagged' as const, 'indefiniteMap' as const, 'indefiniteAuthData' as const, 'intKeys' as const, 'twoItems' as const) }) },
);

const enc = (v: unknown) => cborEncode(v);
const mapHeader = (n: number) => (n < 24 ? Uint8Array.of(0xa0 | n) : Uint8Array.of(0xb8, n));

/** Rewrites an encoded attestationObject (fmt, attStmt, authData) by `e`. */
function editAttObj(bytes: Uint8Array, e: AttObjEdit): Uint8Array {
  if (e.k === 'bytes') return applyByteEdit(bytes, e.edit);
  let decoded: unknown;
  try {
    decoded = decoder.decode(bytes);
  } catch {
    return bytes;
  }
  if (!(decoded instanceof Map)) return bytes;
  const entries: [unknown, unknown][] = [...decoded.entries()];
  switch (e.k) {
    case 'key': {
      const i = entries.findIndex(([k]) => k === e.which);
      if (i < 0) return bytes;
      if (e.to === 'drop') entries.splice(i, 1);
      else if (e.to === 'rename') entries[i] = [e.name, entries[i]![1]];
      else entries[i] = [e.which, e.value];
      return enc(new Map(entries));
    }
    case 'extraKey':
      return enc(new Map([...entries, [e.key, e.value]]));
    case 'absurdAuthData': {
      // The map as written, but authData's byte-string header claims an absurd length.
      const parts = entries.map(([k, v]) => (k === 'authData' && v instanceof Uint8Array ? concat(enc(k), Uint8Array.from(ABSURD_HEADERS[e.which]!), v) : concat(enc(k), enc(v))));
      return concat(mapHeader(entries.length), ...parts);
    }
    case 'duplicate': {
      const dup = entries.find(([k]) => k === e.which);
      if (!dup) return bytes;
      const parts = [...entries, dup].map(([k, v]) => concat(enc(k), enc(v)));
      return concat(mapHeader(entries.length + 1), ...parts);
    }
    case 'shape':
      switch (e.to) {
        case 'array':
          return enc(entries.map(([, v]) => v));
        case 'tagged':
          return enc(new Tag(new Map(entries), 55799));
        case 'indefiniteMap':
          return concat(Uint8Array.of(0xbf), ...entries.map(([k, v]) => concat(enc(k), enc(v))), Uint8Array.of(0xff));
        case 'indefiniteAuthData': {
          const parts = entries.map(([k, v]) => {
            if (k !== 'authData' || !(v instanceof Uint8Array)) return concat(enc(k), enc(v));
            const ad = v;
            const half = Math.floor(ad.length / 2);
            return concat(enc(k), Uint8Array.of(0x5f), enc(ad.slice(0, half)), enc(ad.slice(half)), Uint8Array.of(0xff));
          });
          return concat(mapHeader(entries.length), ...parts);
        }
        case 'intKeys':
          // CTAP2's integer keys (1 fmt, 2 authData, 3 attStmt) instead of WebAuthn's strings.
          return enc(new Map(entries.map(([k, v]) => [k === 'fmt' ? 1 : k === 'authData' ? 2 : 3, v])));
        case 'twoItems':
          return concat(enc(new Map(entries)), enc(new Map(entries)));
      }
  }
}

// ---- signatures ---------------------------------------------------------------------------

export type SignatureEdit =
  | { k: 'bytes'; edit: ByteEdit }
  | { k: 'bogus' }
  | { k: 'value'; bytes: Uint8Array }
  | { k: 'der'; which: 'absurdSeq' | 'absurdInt' | 'negative' | 'zeroes' | 'raw64' | 'extraInt' };

export const signatureEdit: fc.Arbitrary<SignatureEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant('bytes' as const), edit: byteEdit }) },
  { weight: 1, arbitrary: fc.constant({ k: 'bogus' as const }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('value' as const), bytes: fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.constantFrom(new Uint8Array(0), new Uint8Array(64), new Uint8Array(256), new Uint8Array(1536).fill(0x30))) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('der' as const), which: fc.constantFrom('absurdSeq' as const, 'absurdInt' as const, 'negative' as const, 'zeroes' as const, 'raw64' as const, 'extraInt' as const) }) },
);

function editSignature(sig: Uint8Array, signed: Uint8Array, e: SignatureEdit, bogus: () => Uint8Array): Uint8Array {
  switch (e.k) {
    case 'bytes':
      return applyByteEdit(sig, e.edit);
    case 'bogus':
      return bogus();
    case 'value':
      return new Uint8Array(e.bytes);
    case 'der': {
      const int = (n: number, lead = 0x01) => concat(Uint8Array.of(0x02, n), new Uint8Array(n).fill(lead));
      switch (e.which) {
        case 'absurdSeq':
          return concat(Uint8Array.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), sig.slice(2));
        case 'absurdInt':
          return concat(Uint8Array.of(0x30, 0x0a, 0x02, 0x84, 0x7f, 0xff, 0xff, 0xff), sig.slice(0, 4));
        case 'negative':
          return concat(Uint8Array.of(0x30, 0x44), int(32, 0xff), int(32, 0x80));
        case 'zeroes':
          return concat(Uint8Array.of(0x30, 0x06), int(1, 0x00), int(1, 0x00));
        case 'raw64':
          return new Uint8Array(64).fill(0x11);
        case 'extraInt':
          return concat(Uint8Array.of(0x30, sig.length - 2 + 3), sig.slice(2), int(1));
      }
    }
  }
  void signed;
  return sig;
}

// ---- JSON ---------------------------------------------------------------------------------

export type JsonEdit =
  | { k: 'id' | 'rawId' | 'both'; value: unknown }
  | { k: 'set'; path: string; value: unknown }
  | { k: 'drop'; path: string };

const idValue = fc.oneof(
  fc.constantFrom('CRED_ID', 'STALE_CRED_ID', 'VICTIM_CRED_ID').map((n) => new Ref(n)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')),
  fc.constantFrom('', 'AA', 'a+b/', 'AAAA='),
  hostileValue,
);
const jsonPaths = (registration: boolean) =>
  registration
    ? ['type', 'response', 'response.clientDataJSON', 'response.attestationObject', 'response.transports', 'response.publicKeyAlgorithm', 'response.authenticatorData', 'clientExtensionResults', 'authenticatorAttachment', 'getClientExtensionResults']
    : ['type', 'response', 'response.clientDataJSON', 'response.authenticatorData', 'response.signature', 'response.userHandle', 'clientExtensionResults', 'authenticatorAttachment'];
export const jsonEdit = (registration: boolean): fc.Arbitrary<JsonEdit> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('id' as const, 'rawId' as const, 'both' as const), value: idValue }) },
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant('set' as const),
        path: fc.constantFrom(...jsonPaths(registration)),
        value: fc.oneof(
          hostileValue,
          fc.constantFrom(['usb', 'nfc'], ['x'.repeat(40)], Array(30).fill('usb'), { credProps: { rk: 'yes' } }, { credProps: { rk: true } }, { appid: true }, 'platform'),
          fc.constantFrom('VICTIM_USER_ID', 'USER_ID', 'HALF_USER_ID').map((n) => new Ref(n)),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('drop' as const), path: fc.constantFrom(...jsonPaths(registration)) }) },
  );

const resolve = (v: unknown, values: WorldValues) => (v instanceof Ref ? resolveString(v, values) : v);

function editJson<T extends object>(json: T, edits: JsonEdit[], values: WorldValues): T {
  const out = structuredClone(json) as Record<string, unknown>;
  for (const e of edits) {
    if (e.k === 'id' || e.k === 'both') out.id = resolve(e.value, values);
    if (e.k === 'rawId' || e.k === 'both') out.rawId = resolve(e.value, values);
    if (e.k === 'set' || e.k === 'drop') {
      const [a, b] = e.path.split('.') as [string, string | undefined];
      const parent = b === undefined ? out : (out[a] as Record<string, unknown> | undefined);
      if (!parent || typeof parent !== 'object') continue;
      const key = b ?? a;
      if (e.k === 'drop') delete parent[key];
      else parent[key] = resolve(e.value, values);
    }
  }
  return out as T;
}

// ---- whole-response mutations ---------------------------------------------------------------

export type RegistrationEdit =
  | { at: 'clientData'; edit: ClientDataEdit }
  | { at: 'authData'; edit: AuthDataEdit }
  | { at: 'attStmt'; edit: AttStmtEdit }
  | { at: 'attestationObject'; edit: AttObjEdit }
  | { at: 'json'; edit: JsonEdit };

export type AssertionEdit =
  | { at: 'clientData'; edit: ClientDataEdit }
  | { at: 'authData'; edit: AuthDataEdit }
  | { at: 'signature'; edit: SignatureEdit }
  | { at: 'json'; edit: JsonEdit };

export const registrationEdit: fc.Arbitrary<RegistrationEdit> = fc.oneof(
  { weight: 2, arbitrary: clientDataEdit.map((edit) => ({ at: 'clientData' as const, edit })) },
  { weight: 3, arbitrary: authDataEdit(true).map((edit) => ({ at: 'authData' as const, edit })) },
  { weight: 2, arbitrary: attStmtEdit.map((edit) => ({ at: 'attStmt' as const, edit })) },
  { weight: 3, arbitrary: attObjEdit.map((edit) => ({ at: 'attestationObject' as const, edit })) },
  { weight: 1, arbitrary: jsonEdit(true).map((edit) => ({ at: 'json' as const, edit })) },
);

export const assertionEdit: fc.Arbitrary<AssertionEdit> = fc.oneof(
  { weight: 2, arbitrary: clientDataEdit.map((edit) => ({ at: 'clientData' as const, edit })) },
  { weight: 3, arbitrary: authDataEdit(false).map((edit) => ({ at: 'authData' as const, edit })) },
  { weight: 2, arbitrary: signatureEdit.map((edit) => ({ at: 'signature' as const, edit })) },
  { weight: 2, arbitrary: jsonEdit(false).map((edit) => ({ at: 'json' as const, edit })) },
);

const of = <E extends { at: string; edit: unknown }, A extends E['at']>(edits: E[], at: A) => edits.filter((e) => e.at === at).map((e) => e.edit as Extract<E, { at: A }>['edit']);

/** Soft-authenticator overrides that apply `edits` to a registration. */
export function registrationOverrides(edits: RegistrationEdit[], values: WorldValues): RegistrationOverrides {
  const cd = of(edits, 'clientData');
  const ad = of(edits, 'authData');
  const st = of(edits, 'attStmt');
  const ao = of(edits, 'attestationObject');
  const js = of(edits, 'json');
  return {
    ...(cd.length ? { clientData: (c) => void editClientData(c as Record<string, unknown>, cd), clientDataJSON: (b) => editClientDataBytes(b, cd) } : {}),
    ...(ad.length ? { authData: (b) => ad.reduce(applyAuthDataEdit, b) } : {}),
    ...(st.length ? { attStmt: (m) => editAttStmt(m, st) } : {}),
    ...(ao.length ? { attestationObject: (b) => ao.reduce(editAttObj, b) } : {}),
    ...(js.length ? { response: (r: RegistrationResponseJSON) => editJson(r, js, values) } : {}),
  };
}

/** Soft-authenticator overrides that apply `edits` to an assertion. */
export function assertionOverrides(edits: AssertionEdit[], values: WorldValues, bogus: () => Uint8Array): AssertionOverrides {
  const cd = of(edits, 'clientData');
  const ad = of(edits, 'authData');
  const sg = of(edits, 'signature');
  const js = of(edits, 'json');
  return {
    ...(cd.length ? { clientData: (c) => void editClientData(c as Record<string, unknown>, cd), clientDataJSON: (b) => editClientDataBytes(b, cd) } : {}),
    ...(ad.length ? { authData: (b) => ad.reduce(applyAuthDataEdit, b) } : {}),
    ...(sg.length ? { signature: (sig, data) => sg.reduce((s, e) => editSignature(s, data, e, bogus), sig) } : {}),
    ...(js.length ? { response: (r: AuthenticationResponseJSON) => editJson(r, js, values) } : {}),
  };
}
