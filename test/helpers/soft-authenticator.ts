/**
 * A software WebAuthn authenticator (+ the client/browser half) for tests.
 *
 * Produces `RegistrationResponseJSON` / `AuthenticationResponseJSON` objects exactly as
 * `@simplewebauthn/browser` would hand them to the server: every binary field is base64url
 * without padding, `type: 'public-key'`, `clientExtensionResults: {}`.
 *
 * - Crypto: node:crypto only (P-256 ECDSA with DER signatures, Ed25519, RSA-2048 PKCS#1 v1.5).
 * - CBOR: cbor-x with {@link cborEncoder} (see the options comment there).
 * - Attestation certificates: ./test-ca.ts (@peculiar/x509).
 *
 * Supported attestation formats (`createCredential({ attestation })`):
 * - `none`        fmt "none", empty attStmt.
 * - `packed-self` fmt "packed", attStmt { alg, sig } with sig by the credential key over
 *                 authData || SHA-256(clientDataJSON). No x5c.
 * - `packed-full` fmt "packed", attStmt { alg: -7, sig, x5c: [leaf] }, sig by the attestation
 *                 cert's P-256 key; leaf issued by the authenticator's TestCa and carrying the
 *                 AAGUID extension.
 * - `fido-u2f`    fmt "fido-u2f", attStmt { sig, x5c: [leaf] }, sig over
 *                 0x00 || rpIdHash || clientDataHash || credentialId || 0x04||x||y.
 *                 ES256 credentials only; AAGUID is all zeros.
 *
 * Every field can be corrupted through `overrides` (see {@link RegistrationOverrides} /
 * {@link AssertionOverrides}). Hooks on authData / clientDataJSON run BEFORE signing (the
 * signature stays valid over the corrupted bytes, so the test exercises the specific check);
 * `signature` breaks the signature itself; `response` rewrites the final JSON (tampering in
 * transit, after signing).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { Encoder, type Options } from 'cbor-x';
import type {
  AuthenticationResponseJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { aaguidToBytes, createTestCa, type AttestationCert, type TestCa } from './test-ca.js';

/**
 * cbor-x encoder for WebAuthn/CTAP2 structures.
 *
 * - `useRecords: false`: no cbor-x record extension (tag 105 + structure ids), plain CBOR.
 * - `mapsAsObjects: false` + `useTag259ForMaps: false`: a JS `Map` is written as a bare CBOR map
 *   (major type 5). With `useRecords: false` alone, cbor-x defaults `mapsAsObjects` to true and
 *   then prefixes every `Map` with tag 259 (0xd9 0x01 0x03) to distinguish it from an object.
 *   Map keys are encoded by type, so integer keys (COSE labels 1, 3, -1, -2, -3) become CBOR
 *   unsigned/negative ints, string keys text strings.
 * - `tagUint8Array: false`: under Node, cbor-x tags a plain `Uint8Array` with tag 64 (typed
 *   array) unless this is false; with it, Uint8Array is a plain byte string (major type 2).
 *   (`Buffer` instances are never tagged, but we pass plain Uint8Arrays everywhere anyway.)
 * - `variableMapSize: true`: objects use the smallest map header (otherwise a fixed map16
 *   0xb9 header). We only encode `Map`s, whose headers are always minimal, so this is belt and
 *   braces; it matters because @simplewebauthn re-encodes the COSE key with its own CBOR library
 *   to find where it ends inside authData, so our bytes must be the preferred serialization.
 */
const cborOptions: Options & { useTag259ForMaps: boolean } = {
  useRecords: false,
  mapsAsObjects: false,
  useTag259ForMaps: false, // honoured by cbor-x's encoder, missing from its .d.ts
  tagUint8Array: false,
  variableMapSize: true,
};
export const cborEncoder = new Encoder(cborOptions);

export function cborEncode(value: unknown): Uint8Array {
  const out = cborEncoder.encode(value);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength).slice();
}

export type CoseAlg = -7 | -8 | -257;
export type AttestationKind = 'none' | 'packed-self' | 'packed-full' | 'fido-u2f';

export interface AuthenticatorFlags {
  /** User Present (0x01). Default true. */
  up?: boolean;
  /** User Verified (0x04). Default true. */
  uv?: boolean;
  /** Backup Eligible (0x08). Registration default false; assertion default = credential's. */
  be?: boolean;
  /** Backup State (0x10). Registration default false; assertion default = credential's. */
  bs?: boolean;
}

export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
  crossOrigin?: boolean;
  topOrigin?: string;
  [key: string]: unknown;
}

export type SignatureOverride =
  | 'bogus'
  | Uint8Array
  | ((sig: Uint8Array, signedData: Uint8Array) => Uint8Array);

export interface ClientDataOverrides {
  /**
   * Merged into the clientData object (a key set to `undefined` disappears from the JSON), or a
   * function that mutates the object in place / returns a replacement.
   */
  clientData?: Partial<ClientData> | ((clientData: ClientData) => ClientData | void);
  /** Rewrite the serialized clientDataJSON bytes (before hashing/signing). */
  clientDataJSON?: (bytes: Uint8Array) => Uint8Array;
}

/** Overrides shared by registration and assertion. */
export interface CommonOverrides<R> extends ClientDataOverrides {
  /** RP ID used for rpIdHash (default: the authenticator's rpId). */
  rpId?: string;
  /** Rewrite authenticatorData bytes (before signing, so the signature covers the result). */
  authData?: (bytes: Uint8Array) => Uint8Array;
  /**
   * Replace the signature. `'bogus'`: a well-formed signature by the right key over different
   * data (so verification returns false rather than failing to parse); a Uint8Array: raw bytes
   * (e.g. garbage, which a verifier may reject with an exception); a function: derive from the
   * real signature and the signed data.
   * Registration: the attestation statement `sig` (not applicable to `none`).
   */
  signature?: SignatureOverride;
  /** Response `id` (default: the credential id). */
  id?: string;
  /** Response `rawId` (default: the credential id). */
  rawId?: string;
  /** Response `type` (default 'public-key'). */
  type?: string;
  /** Final hook on the whole JSON response (after signing). */
  response?: (response: R) => R;
}

export interface RegistrationOverrides extends CommonOverrides<RegistrationResponseJSON> {
  /** attestationObject `fmt` (default per attestation kind). */
  fmt?: string;
  /** AAGUID written into authData (default: authenticator's; zeros for fido-u2f). */
  aaguid?: string;
  /** Mutate/replace the attStmt map before the attestationObject is encoded. */
  attStmt?: (attStmt: Map<string, unknown>) => Map<string, unknown> | void;
  /** Rewrite the encoded attestationObject bytes. */
  attestationObject?: (bytes: Uint8Array) => Uint8Array;
  /** Attestation certificate + key for packed-full / fido-u2f (default: issued by the CA). */
  attestationCert?: AttestationCert;
}

export interface AssertionOverrides extends CommonOverrides<AuthenticationResponseJSON> {
  /** Response `userHandle` (base64url); `null` omits it. Takes precedence over opts.userHandle. */
  userHandle?: string | null;
}

export interface SoftCredential {
  /** Credential id, base64url. */
  id: string;
  /** Credential private key (node:crypto). */
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** COSE_Key bytes, as stored by the RP (`registrationInfo.credential.publicKey`). */
  publicKeyCose: Uint8Array;
  alg: CoseAlg;
  /** Current signature counter (the last value emitted). */
  counter: number;
  /** user.id (base64url). */
  userHandle?: string;
  rpId: string;
  discoverable: boolean;
  /** BE / BS flags this credential reports by default. */
  backupEligible: boolean;
  backedUp: boolean;
  transports: string[];
}

export interface SoftAuthenticatorOptions {
  /** AAGUID (UUID string). Default {@link DEFAULT_AAGUID}. */
  aaguid?: string;
  rpId: string;
  /** Origin written into clientDataJSON. */
  origin: string;
  /** CA for packed-full / fido-u2f attestation certs (default: a fresh in-memory CA, lazily). */
  ca?: TestCa;
}

export interface CreateCredentialOptions {
  /** base64url challenge from the registration options. */
  challenge: string;
  /** user.id, base64url (default: 16 random bytes). */
  userHandle?: string;
  /** Credential key algorithm (default -7 / ES256). */
  alg?: CoseAlg;
  /** Default 'none'. */
  attestation?: AttestationKind;
  flags?: AuthenticatorFlags;
  /** signCount in the registration authData and initial credential counter (default 0). */
  counter?: number;
  /** response.transports (default ['usb']). */
  transports?: string[];
  /** Resident/discoverable credential (default true). */
  discoverable?: boolean;
  /** Explicit credential id, base64url (default 32 random bytes). */
  credentialId?: string;
  /** CBOR authenticator extension outputs; sets ED and appends them to authData. */
  authenticatorExtensions?: Map<string, unknown>;
  /** clientExtensionResults (default {}). */
  clientExtensionResults?: Record<string, unknown>;
  overrides?: RegistrationOverrides;
}

export interface GetAssertionOptions {
  /** base64url challenge from the authentication options. */
  challenge: string;
  /**
   * Credential to use. If absent, the most recently created discoverable credential for the
   * authenticator's rpId (throws if there is none).
   */
  credentialId?: string;
  /** Default: up/uv true, be/bs as the credential was registered. */
  flags?: AuthenticatorFlags;
  /**
   * Explicit signCount for THIS response only (the internal counter is left untouched).
   * Default: internal counter + 1, which is then stored.
   */
  counter?: number;
  /**
   * userHandle in the response (base64url). Default: the credential's user handle for
   * discoverable credentials, omitted otherwise. `null` omits it.
   */
  userHandle?: string | null;
  authenticatorExtensions?: Map<string, unknown>;
  clientExtensionResults?: Record<string, unknown>;
  overrides?: AssertionOverrides;
}

/** Default AAGUID of a SoftAuthenticator (arbitrary, fixed, not registered anywhere). */
export const DEFAULT_AAGUID = '6b657967-6174-4520-b30f-736f66746b31';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const FLAG_ED = 0x80;

// COSE (RFC 9052/9053) labels and values.
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1; // also RSA n
const COSE_X = -2; // also RSA e
const COSE_Y = -3;
const KTY_OKP = 1;
const KTY_EC2 = 2;
const KTY_RSA = 3;
const CRV_P256 = 1;
const CRV_ED25519 = 6;

export const b64url = {
  encode: (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url'),
  decode: (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url')),
};

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}

function u16be(n: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, n, false);
  return out;
}

function jwkBytes(v: string | undefined, what: string): Uint8Array {
  if (!v) throw new Error(`JWK export lacks ${what}`);
  return b64url.decode(v);
}

/** Generate a credential key pair and its COSE_Key encoding. */
function generateCredentialKey(alg: CoseAlg): {
  privateKey: KeyObject;
  publicKey: KeyObject;
  cose: Map<number, number | Uint8Array>;
} {
  if (alg === -7) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [COSE_KTY, KTY_EC2],
      [COSE_ALG, -7],
      [COSE_CRV, CRV_P256],
      [COSE_X, jwkBytes(jwk.x, 'x')],
      [COSE_Y, jwkBytes(jwk.y, 'y')],
    ]);
    return { privateKey, publicKey, cose };
  }
  if (alg === -8) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [COSE_KTY, KTY_OKP],
      [COSE_ALG, -8],
      [COSE_CRV, CRV_ED25519],
      [COSE_X, jwkBytes(jwk.x, 'x')],
    ]);
    return { privateKey, publicKey, cose };
  }
  if (alg === -257) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 0x10001,
    });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [COSE_KTY, KTY_RSA],
      [COSE_ALG, -257],
      [COSE_CRV, jwkBytes(jwk.n, 'n')], // -1 = n for RSA
      [COSE_X, jwkBytes(jwk.e, 'e')], // -2 = e for RSA
    ]);
    return { privateKey, publicKey, cose };
  }
  throw new Error(`Unsupported COSE alg ${String(alg)}`);
}

/** WebAuthn signature format for each alg: ECDSA DER, raw Ed25519, RSASSA-PKCS1-v1_5. */
function signWith(alg: CoseAlg, key: KeyObject, data: Uint8Array): Uint8Array {
  switch (alg) {
    case -7:
      return new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'der' }));
    case -8:
      return new Uint8Array(sign(null, data, key));
    case -257:
      return new Uint8Array(sign('sha256', data, key));
    default:
      throw new Error(`Unsupported COSE alg ${String(alg)}`);
  }
}

function applySignatureOverride(
  override: SignatureOverride | undefined,
  alg: CoseAlg,
  key: KeyObject,
  data: Uint8Array,
  sig: Uint8Array,
): Uint8Array {
  if (override === undefined) return sig;
  if (override === 'bogus') return signWith(alg, key, concat(data, Uint8Array.of(0x42)));
  if (typeof override === 'function') return override(sig, data);
  return override;
}

export class SoftAuthenticator {
  readonly aaguid: string;
  readonly rpId: string;
  readonly origin: string;
  #ca: TestCa | undefined;
  #caPromise: Promise<TestCa> | undefined;
  #packedCert: Promise<AttestationCert> | undefined;
  #u2fCert: Promise<AttestationCert> | undefined;
  readonly #credentials: SoftCredential[] = [];

  constructor(opts: SoftAuthenticatorOptions) {
    this.aaguid = opts.aaguid ?? DEFAULT_AAGUID;
    aaguidToBytes(this.aaguid); // validate early
    this.rpId = opts.rpId;
    this.origin = opts.origin;
    this.#ca = opts.ca;
  }

  /** All credentials, oldest first (live objects: mutate `counter` etc. at will). */
  get credentials(): readonly SoftCredential[] {
    return [...this.#credentials];
  }

  getCredential(id: string): SoftCredential | undefined {
    return this.#credentials.find((c) => c.id === id);
  }

  /** The CA used for attestation certificates (created on first use if none was given). */
  async getCa(): Promise<TestCa> {
    if (this.#ca) return this.#ca;
    this.#caPromise ??= createTestCa().then((ca) => (this.#ca = ca));
    return this.#caPromise;
  }

  /** Attestation cert for `packed-full` (carries the AAGUID extension); cached. */
  async getPackedAttestationCert(): Promise<AttestationCert> {
    this.#packedCert ??= this.getCa().then((ca) =>
      ca.issueAttestationCert({ aaguid: this.aaguid }),
    );
    return this.#packedCert;
  }

  /** Attestation cert for `fido-u2f` (P-256, no AAGUID extension); cached. */
  async getU2fAttestationCert(): Promise<AttestationCert> {
    this.#u2fCert ??= this.getCa().then((ca) =>
      ca.issueAttestationCert({
        subject: 'C=US, O=Keygate Test, OU=Authenticator Attestation, CN=Keygate Soft U2F',
      }),
    );
    return this.#u2fCert;
  }

  #clientDataJSON(
    type: 'webauthn.create' | 'webauthn.get',
    challenge: string,
    ov: ClientDataOverrides | undefined,
  ): Uint8Array {
    let clientData: ClientData = { type, challenge, origin: this.origin, crossOrigin: false };
    if (typeof ov?.clientData === 'function') {
      clientData = ov.clientData(clientData) ?? clientData;
    } else if (ov?.clientData) {
      clientData = { ...clientData, ...ov.clientData } as ClientData;
    }
    let bytes: Uint8Array = new Uint8Array(Buffer.from(JSON.stringify(clientData), 'utf8'));
    if (ov?.clientDataJSON) bytes = ov.clientDataJSON(bytes);
    return bytes;
  }

  #authData(params: {
    rpId: string;
    flags: Required<AuthenticatorFlags>;
    counter: number;
    attested?: { aaguid: Uint8Array; credentialId: Uint8Array; cose: Uint8Array };
    extensions?: Map<string, unknown>;
  }): Uint8Array {
    const { flags } = params;
    let flagByte = 0;
    if (flags.up) flagByte |= FLAG_UP;
    if (flags.uv) flagByte |= FLAG_UV;
    if (flags.be) flagByte |= FLAG_BE;
    if (flags.bs) flagByte |= FLAG_BS;
    if (params.attested) flagByte |= FLAG_AT;
    if (params.extensions) flagByte |= FLAG_ED;
    const parts = [sha256(params.rpId), Uint8Array.of(flagByte), u32be(params.counter)];
    if (params.attested) {
      const { aaguid, credentialId, cose } = params.attested;
      parts.push(aaguid, u16be(credentialId.length), credentialId, cose);
    }
    if (params.extensions) parts.push(cborEncode(params.extensions));
    return concat(...parts);
  }

  /**
   * Create a credential (authenticatorMakeCredential + the client's part of
   * navigator.credentials.create()). Returns the stored credential and the
   * RegistrationResponseJSON to POST to the RP.
   */
  async createCredential(
    opts: CreateCredentialOptions,
  ): Promise<{ credential: SoftCredential; response: RegistrationResponseJSON }> {
    const alg = opts.alg ?? -7;
    const attestation = opts.attestation ?? 'none';
    const ov = opts.overrides ?? {};
    if (attestation === 'fido-u2f' && alg !== -7) {
      throw new Error('fido-u2f attestation requires an ES256 (-7) credential');
    }
    const flags: Required<AuthenticatorFlags> = {
      up: opts.flags?.up ?? true,
      uv: opts.flags?.uv ?? true,
      be: opts.flags?.be ?? false,
      bs: opts.flags?.bs ?? false,
    };
    const counter = opts.counter ?? 0;
    const rpIdForHash = ov.rpId ?? this.rpId;

    const key = generateCredentialKey(alg);
    const publicKeyCose = cborEncode(key.cose);
    const credentialIdBytes = opts.credentialId
      ? b64url.decode(opts.credentialId)
      : new Uint8Array(randomBytes(32));
    const aaguidBytes =
      ov.aaguid !== undefined
        ? aaguidToBytes(ov.aaguid)
        : attestation === 'fido-u2f'
          ? new Uint8Array(16)
          : aaguidToBytes(this.aaguid);

    const clientDataJSON = this.#clientDataJSON('webauthn.create', opts.challenge, ov);
    const clientDataHash = sha256(clientDataJSON);

    let authData = this.#authData({
      rpId: rpIdForHash,
      flags,
      counter,
      attested: { aaguid: aaguidBytes, credentialId: credentialIdBytes, cose: publicKeyCose },
      extensions: opts.authenticatorExtensions,
    });
    if (ov.authData) authData = ov.authData(authData);

    let fmt: string;
    let attStmt = new Map<string, unknown>();
    switch (attestation) {
      case 'none': {
        fmt = 'none';
        break;
      }
      case 'packed-self': {
        fmt = 'packed';
        const data = concat(authData, clientDataHash);
        const sig = signWith(alg, key.privateKey, data);
        attStmt.set('alg', alg);
        attStmt.set('sig', applySignatureOverride(ov.signature, alg, key.privateKey, data, sig));
        break;
      }
      case 'packed-full': {
        fmt = 'packed';
        const cert = ov.attestationCert ?? (await this.getPackedAttestationCert());
        const data = concat(authData, clientDataHash);
        const sig = signWith(-7, cert.privateKey, data);
        attStmt.set('alg', -7);
        attStmt.set('sig', applySignatureOverride(ov.signature, -7, cert.privateKey, data, sig));
        attStmt.set('x5c', [cert.certDer]);
        break;
      }
      case 'fido-u2f': {
        fmt = 'fido-u2f';
        const cert = ov.attestationCert ?? (await this.getU2fAttestationCert());
        const x = key.cose.get(COSE_X) as Uint8Array;
        const y = key.cose.get(COSE_Y) as Uint8Array;
        const publicKeyU2F = concat(Uint8Array.of(0x04), x, y);
        const data = concat(
          Uint8Array.of(0x00),
          sha256(rpIdForHash),
          clientDataHash,
          credentialIdBytes,
          publicKeyU2F,
        );
        const sig = signWith(-7, cert.privateKey, data);
        attStmt.set('sig', applySignatureOverride(ov.signature, -7, cert.privateKey, data, sig));
        attStmt.set('x5c', [cert.certDer]);
        break;
      }
      default:
        throw new Error(`Unknown attestation kind ${String(attestation)}`);
    }
    if (ov.fmt !== undefined) fmt = ov.fmt;
    if (ov.attStmt) attStmt = ov.attStmt(attStmt) ?? attStmt;

    let attestationObject = cborEncode(
      new Map<string, unknown>([
        ['fmt', fmt],
        ['attStmt', attStmt],
        ['authData', authData],
      ]),
    );
    if (ov.attestationObject) attestationObject = ov.attestationObject(attestationObject);

    const id = b64url.encode(credentialIdBytes);
    const transports = opts.transports ?? ['usb'];
    const discoverable = opts.discoverable ?? true;
    const userHandle = opts.userHandle ?? b64url.encode(randomBytes(16));
    const credential: SoftCredential = {
      id,
      privateKey: key.privateKey,
      publicKey: key.publicKey,
      publicKeyCose,
      alg,
      counter,
      userHandle,
      rpId: this.rpId,
      discoverable,
      backupEligible: flags.be,
      backedUp: flags.bs,
      transports,
    };
    this.#credentials.push(credential);

    let response: RegistrationResponseJSON = {
      id: ov.id ?? id,
      rawId: ov.rawId ?? id,
      type: (ov.type ?? 'public-key') as 'public-key',
      response: {
        clientDataJSON: b64url.encode(clientDataJSON),
        attestationObject: b64url.encode(attestationObject),
        authenticatorData: b64url.encode(authData),
        transports: [...transports] as RegistrationResponseJSON['response']['transports'],
        publicKeyAlgorithm: alg,
        publicKey: b64url.encode(key.publicKey.export({ format: 'der', type: 'spki' })),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: (opts.clientExtensionResults ??
        {}) as RegistrationResponseJSON['clientExtensionResults'],
    };
    if (ov.response) response = ov.response(response);
    return { credential, response };
  }

  /**
   * Produce an assertion (authenticatorGetAssertion + the client's part of
   * navigator.credentials.get()).
   */
  async getAssertion(opts: GetAssertionOptions): Promise<AuthenticationResponseJSON> {
    const ov = opts.overrides ?? {};
    let cred: SoftCredential | undefined;
    if (opts.credentialId !== undefined) {
      cred = this.getCredential(opts.credentialId);
      if (!cred) throw new Error(`No credential with id ${opts.credentialId}`);
    } else {
      cred = this.#credentials.filter((c) => c.discoverable && c.rpId === this.rpId).at(-1);
      if (!cred) throw new Error(`No discoverable credential for rpId ${this.rpId}`);
    }

    const flags: Required<AuthenticatorFlags> = {
      up: opts.flags?.up ?? true,
      uv: opts.flags?.uv ?? true,
      be: opts.flags?.be ?? cred.backupEligible,
      bs: opts.flags?.bs ?? cred.backedUp,
    };
    let counter: number;
    if (opts.counter !== undefined) {
      counter = opts.counter;
    } else {
      counter = cred.counter + 1;
      cred.counter = counter;
    }

    const clientDataJSON = this.#clientDataJSON('webauthn.get', opts.challenge, ov);
    let authData = this.#authData({
      rpId: ov.rpId ?? cred.rpId,
      flags,
      counter,
      extensions: opts.authenticatorExtensions,
    });
    if (ov.authData) authData = ov.authData(authData);

    const data = concat(authData, sha256(clientDataJSON));
    const realSig = signWith(cred.alg, cred.privateKey, data);
    const signature = applySignatureOverride(ov.signature, cred.alg, cred.privateKey, data, realSig);

    let userHandle: string | null | undefined =
      ov.userHandle !== undefined ? ov.userHandle : opts.userHandle;
    if (userHandle === undefined) userHandle = cred.discoverable ? cred.userHandle : undefined;

    let response: AuthenticationResponseJSON = {
      id: ov.id ?? cred.id,
      rawId: ov.rawId ?? cred.id,
      type: (ov.type ?? 'public-key') as 'public-key',
      response: {
        clientDataJSON: b64url.encode(clientDataJSON),
        authenticatorData: b64url.encode(authData),
        signature: b64url.encode(signature),
        ...(userHandle ? { userHandle } : {}),
      },
      authenticatorAttachment: 'cross-platform',
      clientExtensionResults: (opts.clientExtensionResults ??
        {}) as AuthenticationResponseJSON['clientExtensionResults'],
    };
    if (ov.response) response = ov.response(response);
    return response;
  }
}
