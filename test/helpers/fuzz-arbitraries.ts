/**
 * fast-check generators for hostile HTTP requests to keygate, and the code that turns a
 * generated description into bytes on the wire.
 *
 * Generated values stay plain data (printable in a counterexample); three markers stand for
 * what is only known, or too big to generate, at send time:
 * - {@link Ref}: a real value of the running world (`USERNAME`, `CRED_ID`, `TOKEN`, ...);
 * - {@link Huge}: a long string (`n` copies of `ch`);
 * - {@link Mut}: a real value with a few edits (a flipped character, a cut, a forged JWT part);
 * - {@link RawJson}: JSON text JSON.stringify would never write (`1e999`, `-0`, a lone surrogate).
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CookieJar, type RawRequest } from './fuzz-client.js';
import { AGENT_KINDS, COOKIE, type AgentKind, type WorldValues } from './fuzz-world.js';

export class Ref {
  constructor(readonly name: string) {}
  toString(): string {
    return `Ref(${this.name})`;
  }
}
export class Huge {
  constructor(readonly n: number, readonly ch: string) {}
  toString(): string {
    return `Huge(${this.n}×${JSON.stringify(this.ch)})`;
  }
}
export type StrEdit =
  | { k: 'flip'; at: number; ch: string }
  | { k: 'cut'; at: number }
  | { k: 'append'; s: string }
  | { k: 'segment'; part: number; json: unknown }
  | { k: 'dropSegment'; part: number }
  | { k: 'pad' };
export class Mut {
  constructor(readonly name: string, readonly edits: StrEdit[]) {}
  toString(): string {
    return `Mut(${this.name}, ${JSON.stringify(this.edits)})`;
  }
}
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawJson(${this.text})`;
  }
}

const ref = (name: string) => fc.constant(new Ref(name));

// ---- resolving and serialising ------------------------------------------------------------

function applyEdits(s: string, edits: StrEdit[]): string {
  for (const e of edits) {
    const at = (n: number) => Math.floor(n * (s.length + 1));
    switch (e.k) {
      case 'flip':
        s = s.slice(0, at(e.at)) + e.ch + s.slice(at(e.at) + 1);
        break;
      case 'cut':
        s = s.slice(0, at(e.at));
        break;
      case 'append':
        s += e.s;
        break;
      case 'segment': {
        const parts = s.split('.');
        parts[e.part % Math.max(parts.length, 1)] = Buffer.from(JSON.stringify(e.json) ?? 'null').toString('base64url');
        s = parts.join('.');
        break;
      }
      case 'dropSegment': {
        const parts = s.split('.');
        parts.splice(e.part % Math.max(parts.length, 1), 1);
        s = parts.join('.');
        break;
      }
      case 'pad':
        s += '==';
        break;
    }
  }
  return s;
}

/** The string a marker stands for in `values`. */
export function resolveString(v: Ref | Huge | Mut, values: WorldValues): string {
  if (v instanceof Huge) return v.ch.repeat(v.n);
  if (v instanceof Ref) return values[v.name] ?? v.name;
  return applyEdits(values[v.name] ?? v.name, v.edits);
}

/**
 * JSON text of a generated value, markers resolved. Written by hand rather than with
 * JSON.stringify so that own `__proto__` keys and RawJson survive.
 */
export function emitJson(v: unknown, values: WorldValues): string {
  if (v instanceof Ref || v instanceof Huge || v instanceof Mut) return JSON.stringify(resolveString(v, values));
  if (v instanceof RawJson) return v.text;
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('base64url'));
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : emitJson(x, values))).join(',')}]`;
  if (v && typeof v === 'object') {
    const parts: string[] = [];
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${emitJson(x, values)}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (typeof v === 'bigint') return v.toString();
  return JSON.stringify(v) ?? 'null';
}

/** A generated value as a form field value (objects as their JSON). */
function formValue(v: unknown, values: WorldValues): string {
  if (v instanceof Ref || v instanceof Huge || v instanceof Mut) return resolveString(v, values);
  if (typeof v === 'string') return v;
  return emitJson(v, values);
}

// ---- values -------------------------------------------------------------------------------

const SPECIAL_STRINGS = [
  '', ' ', '\u0000', '\t\n', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '$where', '$ne', '{"$ne":null}',
  "' OR 1=1 --", '<script>alert(1)</script>', '../../etc/passwd', '%00', '%', '\u202e', '\ufeff', '\u200b', '\ud800', '\udfff', '\ud83d',
  'ａｌｉｃｅ', 'ALICE', 'alice ', 'ﬀ', 'İ', 'ß', 'a\u0301', '🔑', 'null', 'undefined', 'true', '0', '-1', 'NaN', 'Infinity', '1e999',
  'public-key', 'webauthn.create', 'webauthn.get', 'none', 'packed', 'fido-u2f', 'tpm', 'android-key', 'android-safetynet', 'apple',
  'AAAA', 'AA', 'A', '====', 'a+b/c', 'a.b.c', 'eyJhbGciOiJub25lIn0.e30.', 'eyJhbGciOiJub25lIn0.e30', 'Basic', 'Bearer x',
];

/** Strings a parser or a normaliser may trip on. */
export const hostileString: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(33, 64, 65, 128, 129, 256, 257, 1024, 1025, 1400, 1401, 2048, 2049, 8192, 8193, 48_001, 65_000).chain((n) => fc.constantFrom('a', 'A', '\u00e9', '🔑', '\u0000', '=').map((ch) => new Huge(n, ch))) },
);

const rawJson = fc.constantFrom('1e999', '-1e999', '-0', '1e-400', '123456789012345678901234567890', '"\\ud800"', '"\\udc00\\ud800"', '"\\u0000"', '0.1e1', '[]', '{}', 'null');

const protoObject = fc.constantFrom(
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  '{"$ne":null}',
  '{"$gt":""}',
  '{"$where":"sleep(1000)"}',
  '{"$regex":".*"}',
  '{"a.b":1,"$set":{"x":1}}',
).map((t) => JSON.parse(t) as unknown);

/** Any JSON value of the wrong kind for a field: wrong types, operators, prototype keys, huge or odd strings. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, Number.MIN_VALUE) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: rawJson.map((t) => new RawJson(t)) },
  { weight: 1, arbitrary: protoObject },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null)), { maxLength: 5 }) },
);

/** `valid` most of the time, a hostile value otherwise. */
const mostly = (valid: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: hostileValue });

const b64urlOf = (bytes: fc.Arbitrary<Uint8Array>) => bytes.map((b) => Buffer.from(b).toString('base64url'));
const notB64url = fc.constantFrom('a', 'abc=', 'ab==', 'a+b/', '!!!!', 'AAAAA', ' AAAA', 'AAAA\n', '\u00e9', '====');
/** base64url-ish: real encodings of random bytes, and near misses. */
export const b64urlish = fc.oneof({ weight: 4, arbitrary: b64urlOf(fc.uint8Array({ maxLength: 96 })) }, { weight: 1, arbitrary: notB64url }, { weight: 1, arbitrary: hostileValue });

const freshUsername = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/).map((s) => `fz${s}`);
const username = fc.oneof(
  { weight: 3, arbitrary: freshUsername },
  { weight: 3, arbitrary: fc.constantFrom('USERNAME', 'STALE_USERNAME', 'HALF_USERNAME', 'ENROL_USERNAME', 'PWD_USERNAME', 'VICTIM_USERNAME').map((n) => new Ref(n)) },
  { weight: 1, arbitrary: fc.constantFrom('USERNAME', 'HALF_USERNAME').map((n) => new Mut(n, [{ k: 'append', s: ' ' }])) },
  { weight: 2, arbitrary: hostileString },
);
const password = fc.oneof(
  { weight: 2, arbitrary: ref('PASSWORD') },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(1023, 1024, 1025, 5000).map((n) => new Huge(n, 'p')) },
  { weight: 1, arbitrary: hostileString },
);
const code = fc.oneof(
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9]{6}$/) },
  { weight: 1, arbitrary: ref('TOTP_CODE') },
  { weight: 1, arbitrary: ref('RECOVERY_CODE') },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/) },
  { weight: 1, arbitrary: fc.constantFrom(' 123456 ', '12345', '1234567', '１２３４５６', '000000', '999999', '0000-0000-0000', 'oooo-iiii-llll') },
  { weight: 2, arbitrary: hostileString },
);
const jwtEdit: fc.Arbitrary<StrEdit> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), ch: fc.constantFrom('A', '.', '-', '_', '=', '+', '/', '\u00e9') }),
  fc.record({ k: fc.constant('cut' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ k: fc.constant('append' as const), s: fc.constantFrom('.', '..', 'A', '.e30', '=') }),
  fc.record({
    k: fc.constant('segment' as const),
    part: fc.nat(3),
    json: fc.oneof(
      fc.constantFrom({ alg: 'none' }, { alg: 'HS256', kid: 'x' }, { alg: 'ES256', kid: '../../etc/passwd' }, { alg: 'ES256', crit: ['exp'] }, { alg: 'ES256', jku: 'https://evil.example/jwks' }, { b64: false, crit: ['b64'], alg: 'ES256' }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  }),
  fc.record({ k: fc.constant('dropSegment' as const), part: fc.nat(3) }),
  fc.constant({ k: 'pad' as const }),
);
const token = fc.oneof(
  { weight: 2, arbitrary: ref('TOKEN') },
  { weight: 4, arbitrary: fc.array(jwtEdit, { minLength: 1, maxLength: 3 }).map((e) => new Mut('TOKEN', e)) },
  { weight: 1, arbitrary: fc.tuple(b64urlOf(fc.uint8Array({ maxLength: 40 })), b64urlOf(fc.uint8Array({ maxLength: 40 })), b64urlOf(fc.uint8Array({ maxLength: 70 }))).map((p) => p.join('.')) },
  { weight: 1, arbitrary: hostileString },
);
const audience = fc.oneof(ref('AUD'), ref('AUD2'), fc.constantFrom('https://evil.example', 'https://deploy.example.com/', 'HTTPS://DEPLOY.EXAMPLE.COM', 'https://deploy.example.com.evil.example'), hostileString);
const userVerification = fc.constantFrom('required', 'preferred', 'discouraged');
const extensionName = fc.constantFrom('credProps', 'credProtect', 'enforceCredentialProtectionPolicy', 'credentialProtectionPolicy', 'minPinLength', 'largeBlob', 'prf', 'hmacCreateSecret', 'credBlob', 'appid', 'appidExclude', 'uvm', 'getCredBlob', 'unknownExt', '__proto__');
const extensions = fc.dictionary(extensionName, fc.oneof(fc.boolean(), fc.integer({ min: -1, max: 4 }), fc.constantFrom({ support: 'required' }, { eval: { first: 'AAAA' } }, { read: true }, 'https://evil.example'), hostileValue), { maxKeys: 4 });
const credId = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('CRED_ID', 'STALE_CRED_ID', 'VICTIM_CRED_ID').map((n) => new Ref(n)) }, { weight: 2, arbitrary: b64urlish });

const transports = fc.array(fc.oneof(fc.constantFrom('usb', 'nfc', 'ble', 'hybrid', 'internal', 'smart-card', 'cable'), hostileString), { maxLength: 20 });

/** Valid-looking values per request field; each object becomes a record with optional keys. */
export const FIELDS = {
  attestationOptions: {
    username,
    displayName: fc.oneof(fc.string({ maxLength: 20 }), hostileString),
    authenticatorSelection: mostly(
      fc.record(
        {
          authenticatorAttachment: mostly(fc.constantFrom('platform', 'cross-platform')),
          residentKey: mostly(fc.constantFrom('discouraged', 'preferred', 'required')),
          requireResidentKey: mostly(fc.boolean()),
          userVerification: mostly(userVerification),
        },
        { requiredKeys: [] },
      ),
    ),
    attestation: mostly(fc.constantFrom('none', 'indirect', 'direct', 'enterprise')),
    extensions: mostly(extensions),
  },
  assertionOptions: { username, userVerification: mostly(userVerification), extensions: mostly(extensions) },
  attestationResult: {
    id: credId,
    rawId: credId,
    type: mostly(fc.constant('public-key')),
    response: mostly(fc.record({ clientDataJSON: b64urlish, attestationObject: b64urlish, transports: mostly(transports) }, { requiredKeys: [] })),
    clientExtensionResults: mostly(fc.constantFrom({}, { credProps: { rk: true } }, { credProps: { rk: 'yes' } }, { credProps: null })),
    getClientExtensionResults: mostly(fc.constant({})),
    authenticatorAttachment: mostly(fc.constantFrom('platform', 'cross-platform', null)),
  },
  assertionResult: {
    id: credId,
    rawId: credId,
    type: mostly(fc.constant('public-key')),
    response: mostly(
      fc.record(
        { clientDataJSON: b64urlish, authenticatorData: b64urlish, signature: b64urlish, userHandle: mostly(fc.oneof(ref('VICTIM_USER_ID'), ref('USER_ID'), fc.constant(''), fc.constant(null), b64urlish)) },
        { requiredKeys: [] },
      ),
    ),
    clientExtensionResults: mostly(fc.constant({})),
    authenticatorAttachment: mostly(fc.constantFrom('platform', 'cross-platform', null)),
  },
  login: { username, password },
  signup: { username, password, displayName: fc.oneof(fc.string({ maxLength: 20 }), hostileString) },
  code: { code },
  rename: { name: fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('  ', 'a\u0000b', 'key\u202e', 'x'.repeat(64), 'x'.repeat(65), '\ud800'), hostileString) },
  newPassword: { newPassword: password },
  token: { audience, txn: mostly(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('approve deploy #4711', 'a\u0007b', '\u200b'))) },
  tokenReference: {
    token,
    token_type_hint: mostly(fc.constantFrom('access_token', 'refresh_token', 'id_token')),
    jti: mostly(fc.oneof(ref('JTI'), fc.constant(new Mut('JTI', [{ k: 'cut', at: 0.5 }])), fc.uuid())),
    client_id: mostly(fc.oneof(ref('CLIENT_ID'), fc.constant('someone-else'))),
    client_secret: mostly(fc.oneof(ref('CLIENT_SECRET'), fc.constant(new Mut('CLIENT_SECRET', [{ k: 'cut', at: 0.9 }])))),
  },
  /** One-time links, roles, admin reasons, SMS/email codes, approvals (issue 8 and 10 endpoints). */
  link: { link: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), hostileString), attestation: mostly(fc.constantFrom('none', 'direct')) },
  role: { role: fc.oneof(fc.constantFrom('admin', 'user', 'auditor', 'Admin', ''), hostileString) },
  reason: { reason: mostly(fc.oneof(fc.string({ maxLength: 30 }), hostileString)) },
  channel: { channel: fc.oneof(fc.constantFrom('sms', 'email', 'push', ''), hostileString) },
  oobEnrol: { channel: fc.oneof(fc.constantFrom('sms', 'email'), hostileString), destination: fc.oneof(fc.constantFrom('+33 6 12 34 56 78', '+33612345678', '+1 800 555 0100', '0612345678', 'a@example.com', 'not-an-email', '+999999999999999999'), hostileString) },
  oobConfirm: { channel: fc.oneof(fc.constantFrom('sms', 'email'), hostileString), code },
  approvalNumber: { number: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.constantFrom('42', 4.5, null)) },
  approvalDeny: { notMe: mostly(fc.oneof(fc.boolean(), fc.constantFrom('yes', 1))) },
  /** Endpoints that read no body (it is parsed all the same). */
  none: { note: hostileValue },
} satisfies Record<string, Record<string, fc.Arbitrary<unknown>>>;

// ---- endpoints ----------------------------------------------------------------------------

export type Group = 'api' | 'tokenManagement' | 'ops';

export interface Endpoint {
  method: string;
  /** Fields the schema requires (generated nearly always). */
  required?: readonly string[];
  /** With `:id` for a path parameter. */
  path: string;
  fields: Record<string, fc.Arbitrary<unknown>>;
  group: Group;
  /** Results read a pending ceremony: a request may be preceded by a valid options call. */
  prelude?: boolean;
  /** Runs relative to other endpoints (an expensive success: a PNG QR code takes ~1 s under Jest). */
  runs?: number;
}

/** Every route of server/src/http/routes/*.ts, i.e. every documented operation (test/unit/fuzz-coverage.test.ts checks it). */
export const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/healthz', fields: FIELDS.none, group: 'ops' },
  { method: 'GET', path: '/readyz', fields: FIELDS.none, group: 'ops' },
  { method: 'GET', path: '/openapi.json', fields: FIELDS.none, group: 'ops' },
  { method: 'GET', path: '/metrics', fields: FIELDS.none, group: 'ops' },
  { method: 'GET', path: '/.well-known/jwks.json', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/.well-known/openid-configuration', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/.well-known/webauthn', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/attestation/options', fields: FIELDS.attestationOptions, required: ['username'], group: 'api' },
  { method: 'POST', path: '/attestation/result', fields: FIELDS.attestationResult, required: ['id', 'rawId', 'type', 'response'], group: 'api', prelude: true },
  { method: 'POST', path: '/assertion/options', fields: FIELDS.assertionOptions, group: 'api' },
  { method: 'POST', path: '/assertion/result', fields: FIELDS.assertionResult, required: ['id', 'rawId', 'type', 'response'], group: 'api', prelude: true },
  { method: 'POST', path: '/login/password', fields: FIELDS.login, required: ['username', 'password'], group: 'api' },
  { method: 'POST', path: '/login/totp', fields: FIELDS.code, required: ['code'], group: 'api' },
  { method: 'POST', path: '/login/recovery-code', fields: FIELDS.code, required: ['code'], group: 'api' },
  { method: 'POST', path: '/signup/password', fields: FIELDS.signup, required: ['username', 'password'], group: 'api' },
  { method: 'GET', path: '/session', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/me', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/credentials', fields: FIELDS.none, group: 'api' },
  { method: 'PATCH', path: '/account/credentials/:id', fields: FIELDS.rename, required: ['name'], group: 'api' },
  { method: 'DELETE', path: '/account/credentials/:id', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/session/logout-others', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/session/logout', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/factors', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/activity', fields: FIELDS.none, group: 'api' },
  { method: 'PUT', path: '/account/password', fields: FIELDS.newPassword, required: ['newPassword'], group: 'api' },
  { method: 'POST', path: '/account/totp', fields: FIELDS.none, group: 'api', runs: 0.25 },
  { method: 'POST', path: '/account/totp/confirm', fields: FIELDS.code, required: ['code'], group: 'api' },
  { method: 'DELETE', path: '/account/totp', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/account/recovery-codes', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/token', fields: FIELDS.token, required: ['audience'], group: 'api' },
  { method: 'POST', path: '/token/introspect', fields: FIELDS.tokenReference, group: 'tokenManagement' },
  { method: 'POST', path: '/token/revoke', fields: FIELDS.tokenReference, group: 'tokenManagement' },
  // One-time links and the admin API (no fuzz agent is an admin: every admin call is refused, and must write nothing).
  { method: 'POST', path: '/link/options', fields: FIELDS.link, required: ['link'], group: 'api' },
  { method: 'GET', path: '/admin/users', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/admin/users/:id', fields: FIELDS.none, group: 'api' },
  { method: 'PUT', path: '/admin/users/:id/role', fields: FIELDS.role, required: ['role'], group: 'api' },
  { method: 'POST', path: '/admin/users/:id/recovery-link', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/admin/credentials/:id/disable', fields: FIELDS.reason, group: 'api' },
  { method: 'POST', path: '/admin/credentials/:id/enable', fields: FIELDS.reason, group: 'api' },
  { method: 'POST', path: '/admin/credentials/:id/clear-clone-flag', fields: FIELDS.reason, group: 'api' },
  { method: 'DELETE', path: '/admin/credentials/:id', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/admin/credentials/policy-disabled', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/admin/audit', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/admin/mds', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/dev/messages', fields: FIELDS.none, group: 'api' },
  // SMS/email codes (OOB_CHANNELS=sms,email with DELIVERY=dev in the fuzz world).
  { method: 'POST', path: '/login/oob/send', fields: FIELDS.channel, required: ['channel'], group: 'api' },
  { method: 'POST', path: '/login/oob', fields: FIELDS.code, required: ['code'], group: 'api' },
  { method: 'POST', path: '/account/oob', fields: FIELDS.oobEnrol, required: ['channel', 'destination'], group: 'api' },
  { method: 'POST', path: '/account/oob/confirm', fields: FIELDS.oobConfirm, required: ['channel', 'code'], group: 'api' },
  { method: 'DELETE', path: '/account/oob/:id', fields: FIELDS.none, group: 'api' },
  // Sign-in approval (APPROVAL=true; the event stream ends after 1 s in the fuzz world).
  { method: 'POST', path: '/login/approval', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/login/approval', fields: FIELDS.none, group: 'api' },
  { method: 'POST', path: '/login/approval/complete', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/approvals', fields: FIELDS.none, group: 'api' },
  { method: 'GET', path: '/account/approvals/events', fields: FIELDS.none, group: 'api', runs: 0.25 },
  { method: 'POST', path: '/account/approvals/:id/options', fields: FIELDS.approvalNumber, required: ['number'], group: 'api' },
  { method: 'POST', path: '/account/approvals/:id/approve', fields: FIELDS.assertionResult, required: ['id', 'rawId', 'type', 'response'], group: 'api' },
  { method: 'POST', path: '/account/approvals/:id/deny', fields: FIELDS.approvalDeny, group: 'api' },
];

// ---- bodies and framing -------------------------------------------------------------------

export type BodySpec =
  | { t: 'none' }
  | { t: 'json'; value: unknown }
  | { t: 'text'; text: string }
  | { t: 'bytes'; bytes: Uint8Array }
  | { t: 'deep'; depth: number; open: '[' | '{"a":'; field: string }
  | { t: 'huge'; n: number; field: string }
  | { t: 'form'; value: Record<string, unknown> }
  | { t: 'bomb'; n: number };

/** A value of `arb` one time in `n`, else null. */
const rarely = <T>(arb: fc.Arbitrary<T>, n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/**
 * A record over `fields`: the `required` ones nearly always present (so most requests get past
 * the schema to the logic behind it), the others optional; now and then one key dropped or
 * an unknown one added.
 */
export function shaped(fields: Record<string, fc.Arbitrary<unknown>>, required: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: required.filter((k) => keys.includes(k)) }),
      rarely(fc.constantFrom(...keys), 10),
      rarely(fc.tuple(fc.constantFrom('extra', 'id', 'userId', 'admin', 'role', '__proto__', '$set'), hostileValue), 6),
    )
    .map(([r, drop, extra]) => {
      const out: Record<string, unknown> = { ...r };
      if (drop !== null) delete out[drop];
      if (extra) Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
      return out;
    });
}

const malformedJson = fc.oneof(
  fc.constantFrom(
    '{', '}', '{"username":', '{"username":"a"', "{'username':'a'}", '{"username":"a",}', '[1,2,]', '{"a":NaN}', '{"a":Infinity}', '{"a":undefined}',
    '{"a":1}{"b":2}', '{"a":1} x', '\ufeff{}', '{"a":"\\x41"}', '{"a":"\\u12"}', '{"a":01}', '{"a":.5}', '{"a":+1}', '{"a":/* c */1}', '// c\n{}',
    '{"username":"a","username":{"$ne":null}}', '{"":""}', '""', 'nul', 'tru', '-', '"unterminated', '\u0000', ' ', '\n',
  ),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.tuple(fc.jsonValue({ maxDepth: 3 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([v, at]) => {
    const t = JSON.stringify(v);
    return t.slice(0, Math.floor(at * t.length));
  }),
);

export function bodyArb(fields: Record<string, fc.Arbitrary<unknown>>, required: readonly string[] = []): fc.Arbitrary<BodySpec> {
  const fieldName = fc.constantFrom(...Object.keys(fields), 'x');
  return fc.oneof(
    { weight: 14, arbitrary: shaped(fields, required).map((value) => ({ t: 'json' as const, value })) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ t: 'json' as const, value })) },
    { weight: 2, arbitrary: hostileValue.map((value) => ({ t: 'json' as const, value })) },
    { weight: 2, arbitrary: malformedJson.map((text) => ({ t: 'text' as const, text })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ t: 'bytes' as const, bytes })) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('deep' as const), depth: fc.constantFrom(31, 32, 33, 40, 1000, 20_000), open: fc.constantFrom('[' as const, '{"a":' as const), field: fieldName }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('huge' as const), n: fc.constantFrom(10_000, 60_000, 65_600, 70_000, 300_000), field: fieldName }) },
    { weight: 2, arbitrary: fc.constant({ t: 'none' as const }) },
    { weight: 1, arbitrary: shaped(fields, required).map((value) => ({ t: 'form' as const, value })) },
    { weight: 1, arbitrary: fc.constantFrom(1_000_000, 5_000_000).map((n) => ({ t: 'bomb' as const, n })) },
  );
}

/** `natural`: what the body is (JSON, form, octets); else an explicit header value, or none. */
const contentType = fc.oneof(
  { weight: 24, arbitrary: fc.constant('natural') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
      'application/json; charset=koi8-r', 'application/json; charset=', 'APPLICATION/JSON', 'application/json;;;', 'application/json; boundary=x', 'application/vnd.api+json',
      'application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-16', 'text/plain', 'text/html', 'multipart/form-data; boundary=abc', 'application/cbor',
      'application/octet-stream', '*/*', 'application/*', 'json', '',
    ),
  },
  { weight: 1, arbitrary: fc.constant('absent') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
);
const encoding = fc.oneof(
  { weight: 16, arbitrary: fc.constant('none') },
  { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-garbage', 'gzip-broken', 'gzip, gzip', 'GZIP') },
);
const origin = fc.oneof(
  { weight: 10, arbitrary: fc.constant('absent') },
  { weight: 5, arbitrary: ref('ORIGIN') },
  { weight: 1, arbitrary: fc.constantFrom('https://evil.example', 'null', '', 'http://localhost:3000/', 'HTTP://LOCALHOST:3000', 'http://localhost:3001', 'http://localhost', 'http://localhost:3000.evil.example') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }) },
);

/** Cookie header: the agent's jar, or hostile cookies instead of / besides it. */
export type CookieMode = { mode: 'jar' } | { mode: 'replace' | 'append'; raw: unknown };
const cookieValue = fc.oneof(
  fc.constant(new Ref('SIGNED_IN_SESSION_FORGED')),
  fc.constant(new Ref('SIGNED_IN_SESSION_UNSIGNED')),
  b64urlOf(fc.uint8Array({ minLength: 32, maxLength: 32 })).map((id) => `${COOKIE}=s%3A${id}.AAAA`),
  fc.constantFrom(`${COOKIE}=`, `${COOKIE}=j%3A%7B%22a%22%3A1%7D`, `${COOKIE}=s%3A`, `${COOKIE}=%E0%A4%A`, `${COOKIE}=s%3Aj%3A%7B%7D.x`, `${COOKIE}`, '=', ';;;', '__proto__=1', `${COOKIE}=a; ${COOKIE}=b`),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);
const cookie: fc.Arbitrary<CookieMode> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ mode: 'jar' as const }) },
  { weight: 1, arbitrary: fc.record({ mode: fc.constantFrom('replace' as const, 'append' as const), raw: cookieValue }) },
);
const authorization = fc.oneof(
  { weight: 3, arbitrary: fc.constant('absent') },
  { weight: 3, arbitrary: fc.constant(new Ref('BASIC_OK')) },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })).map(([a, b]) => `Basic ${Buffer.from(`${a}:${b}`).toString('base64')}`),
      fc.string({ maxLength: 30 }).map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
      fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic !!!', 'basic a2V5Z2F0ZS1pbnRyb3NwZWN0aW9uOg==', 'Basic Og==', 'Basic JUUwJUE0JUE=OiVFMCVBNCVB', 'Bearer x', 'Negotiate x', `Basic ${'QUFB'.repeat(1500)}`),
      fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    ),
  },
);
const extraHeaders = fc.dictionary(
  fc.constantFrom('x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'accept', 'accept-encoding', 'accept-charset', 'x-http-method-override', 'range', 'if-none-match', 'x-requested-with', 'referer'),
  fc.oneof(fc.constantFrom('1.2.3.4', '::1', 'unknown, 10.0.0.1', 'https', 'evil.example', 'for=1.2.3.4', '*/*', 'DELETE', 'bytes=0-0', '*'), fc.string({ unit: 'binary-ascii', maxLength: 30 })),
  { maxKeys: 2 },
);
const pathParam = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('CRED_ID', 'STALE_CRED_ID', 'VICTIM_CRED_ID').map((n) => new Ref(n)) },
  { weight: 2, arbitrary: b64urlOf(fc.uint8Array({ maxLength: 64 })) },
  { weight: 1, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '%2F', '..', '.', '%2e%2e', 'a%20b', '%F0%9F%94%91', '__proto__', 'constructor', '$ne', '*', '%25') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((s) => encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.constantFrom(1500, 8000).map((n) => new Huge(n, 'A')) },
);
const query = fc.oneof(
  fc.constantFrom('?', '?a=1&a=2', '?__proto__[x]=1', '?%', '?a=%E0%A4%A', '?username=alice', '?_method=DELETE', '?a[b][c][d]=1', `?${'a=1&'.repeat(500)}`),
  fc.string({ maxLength: 30 }).map((s) => `?q=${encodeURIComponent(s)}`),
);

export interface RequestSpec {
  agent: AgentKind;
  method: string;
  param?: unknown;
  query?: string;
  body: BodySpec;
  contentType: string;
  encoding: string;
  chunked: boolean;
  origin: unknown;
  cookie: CookieMode;
  authorization: unknown;
  headers: Record<string, string>;
  prelude: 'none' | 'registration' | 'authentication';
}

const OTHER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/** A hostile request to `endpoint`: agent, method, framing, headers and body all generated. */
export function requestArb(endpoint: Endpoint): fc.Arbitrary<RequestSpec> {
  return fc.record({
    agent: fc.constantFrom(...AGENT_KINDS),
    method: fc.oneof({ weight: 12, arbitrary: fc.constant(endpoint.method) }, { weight: 1, arbitrary: fc.constantFrom(...OTHER_METHODS) }),
    param: endpoint.path.includes(':id') ? pathParam : fc.constant(undefined),
    query: rarely(query, 8).map((q) => q ?? undefined),
    body: bodyArb(endpoint.fields, endpoint.required),
    contentType,
    encoding,
    chunked: fc.boolean(),
    origin,
    cookie,
    authorization: endpoint.group === 'tokenManagement' ? authorization : fc.oneof({ weight: 12, arbitrary: fc.constant('absent') }, { weight: 1, arbitrary: authorization }),
    headers: fc.oneof({ weight: 6, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders }),
    prelude: endpoint.prelude ? fc.constantFrom('none' as const, 'registration' as const, 'authentication' as const) : fc.constant('none' as const),
  });
}

/** A header value Node will put on the wire (no CR, LF or other controls). */
export function headerSafe(s: string): string {
  return s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
}

function bodyBytes(body: BodySpec, values: WorldValues): { bytes?: Buffer; natural?: string } {
  switch (body.t) {
    case 'none':
      return {};
    case 'json':
      return { bytes: Buffer.from(emitJson(body.value, values)), natural: 'application/json' };
    case 'text':
      return { bytes: Buffer.from(body.text), natural: 'application/json' };
    case 'bytes':
      return { bytes: Buffer.from(body.bytes), natural: 'application/octet-stream' };
    case 'deep':
      return { bytes: Buffer.from(`{${JSON.stringify(body.field)}:${body.open.repeat(body.depth)}1${(body.open === '[' ? ']' : '}').repeat(body.depth)}}`), natural: 'application/json' };
    case 'huge':
      return { bytes: Buffer.from(`{${JSON.stringify(body.field)}:"${'x'.repeat(body.n)}"}`), natural: 'application/json' };
    case 'form': {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(body.value)) if (v !== undefined) params.append(k, formValue(v, values));
      return { bytes: Buffer.from(params.toString()), natural: 'application/x-www-form-urlencoded' };
    }
    case 'bomb':
      return { bytes: gzipSync(Buffer.from(`{"x":"${'0'.repeat(body.n)}"}`)), natural: 'application/json' };
  }
}

function encode(bytes: Buffer, how: string): { bytes: Buffer; header?: string } {
  switch (how) {
    case 'none':
      return { bytes };
    case 'gzip':
    case 'GZIP':
      return { bytes: gzipSync(bytes), header: how };
    case 'deflate':
      return { bytes: deflateSync(bytes), header: 'deflate' };
    case 'br':
      return { bytes: brotliCompressSync(bytes), header: 'br' };
    case 'gzip-broken':
      return { bytes: Buffer.concat([gzipSync(bytes).subarray(0, 12), Buffer.from('garbage')]), header: 'gzip' };
    default:
      return { bytes, header: how };
  }
}

/** The wire form of a generated request, for an agent whose jar is `jar`. */
export function buildRequest(endpoint: Endpoint, spec: RequestSpec, values: WorldValues, jar: CookieJar): RawRequest {
  const param = spec.param === undefined ? '' : spec.param instanceof Ref || spec.param instanceof Huge ? encodeURIComponent(resolveString(spec.param, values)) : String(spec.param);
  const path = endpoint.path.replace(':id', param) + (spec.query ?? '');
  const headers: Record<string, string> = {};
  const { bytes, natural } = bodyBytes(spec.body, values);
  let body = bytes;
  if (body !== undefined) {
    if (spec.body.t === 'bomb') headers['content-encoding'] = 'gzip';
    else {
      const enc = encode(body, spec.encoding);
      body = enc.bytes;
      if (enc.header !== undefined) headers['content-encoding'] = headerSafe(enc.header);
    }
  }
  const ct = spec.contentType === 'natural' ? natural : spec.contentType === 'absent' ? undefined : spec.contentType;
  if (ct !== undefined) headers['content-type'] = headerSafe(ct);
  const originValue = spec.origin instanceof Ref ? resolveString(spec.origin, values) : spec.origin;
  if (originValue !== 'absent') headers.origin = headerSafe(String(originValue));
  const auth = spec.authorization instanceof Ref ? resolveString(spec.authorization, values) : spec.authorization;
  if (auth !== 'absent') headers.authorization = headerSafe(String(auth));
  for (const [k, v] of Object.entries(spec.headers)) headers[k] = headerSafe(v);
  let sendJar = jar;
  if (spec.cookie.mode !== 'jar') {
    const raw = spec.cookie.raw instanceof Ref ? resolveString(spec.cookie.raw, values) : String(spec.cookie.raw);
    sendJar = spec.cookie.mode === 'replace' ? new CookieJar() : jar.clone();
    sendJar.extra = headerSafe(raw);
  }
  return { method: spec.method, path, headers, body, chunked: spec.chunked, jar: sendJar };
}
