/**
 * Validates the test SoftAuthenticator against @simplewebauthn/server: every attestation kind x
 * credential algorithm must register and authenticate, and corrupted responses must be rejected.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  SettingsService,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { Decoder } from 'cbor-x';
import {
  DEFAULT_AAGUID,
  SoftAuthenticator,
  b64url,
  type AttestationKind,
  type AuthenticatorFlags,
  type CoseAlg,
  type SoftCredential,
} from '../helpers/soft-authenticator.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';

const RP_ID = 'keygate.test';
const ORIGIN = 'https://keygate.test';
const SUPPORTED_ALGS = [-7, -8, -257];
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

const newChallenge = (): string => b64url.encode(randomBytes(32));

/** Strict decoder: Maps stay Maps, so integer COSE labels are visible as numbers. */
const strictDecoder = new Decoder({ mapsAsObjects: false, useRecords: false });

let ca: TestCa;

beforeAll(async () => {
  ca = await createTestCa();
  SettingsService.setRootCertificates({ identifier: 'packed', certificates: [ca.rootPem] });
  SettingsService.setRootCertificates({ identifier: 'fido-u2f', certificates: [ca.rootPem] });
});

interface Case {
  attestation: AttestationKind;
  alg: CoseAlg;
  flags: AuthenticatorFlags;
  counter?: number;
}

const cases: Case[] = [
  { attestation: 'none', alg: -7, flags: { uv: true } },
  { attestation: 'none', alg: -8, flags: { uv: true, be: true, bs: true } },
  { attestation: 'none', alg: -257, flags: { uv: false } },
  { attestation: 'packed-self', alg: -7, flags: { uv: true, be: true } },
  { attestation: 'packed-self', alg: -8, flags: { uv: false } },
  { attestation: 'packed-self', alg: -257, flags: { uv: true, be: true, bs: true } },
  { attestation: 'packed-full', alg: -7, flags: { uv: true }, counter: 7 },
  { attestation: 'packed-full', alg: -8, flags: { uv: false, be: true, bs: true } },
  { attestation: 'packed-full', alg: -257, flags: { uv: true } },
  { attestation: 'fido-u2f', alg: -7, flags: { uv: false } },
];

const expectedFmt = (kind: AttestationKind): string =>
  kind === 'none' ? 'none' : kind === 'fido-u2f' ? 'fido-u2f' : 'packed';

async function register(
  auth: SoftAuthenticator,
  c: Case,
): Promise<{ credential: SoftCredential; publicKey: WebAuthnCredential['publicKey']; counter: number }> {
  const challenge = newChallenge();
  const { credential, response } = await auth.createCredential({
    challenge,
    alg: c.alg,
    attestation: c.attestation,
    flags: c.flags,
    counter: c.counter,
  });
  const result = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: c.flags.uv !== false,
    supportedAlgorithmIDs: SUPPORTED_ALGS,
  });
  expect(result.verified).toBe(true);
  const info = result.registrationInfo!;
  return { credential, publicKey: info.credential.publicKey, counter: info.credential.counter };
}

describe('SoftAuthenticator x @simplewebauthn/server', () => {
  describe.each(cases)('$attestation / alg $alg', (c) => {
    it('registers, then authenticates twice', async () => {
      const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
      const challenge = newChallenge();
      const { credential, response } = await auth.createCredential({
        challenge,
        alg: c.alg,
        attestation: c.attestation,
        flags: c.flags,
        counter: c.counter,
        transports: ['usb', 'nfc'],
      });

      expect(response.id).toBe(credential.id);
      expect(response.rawId).toBe(credential.id);
      expect(b64url.decode(credential.id)).toHaveLength(32);
      expect(response.type).toBe('public-key');
      expect(response.clientExtensionResults).toEqual({});
      expect(response.authenticatorAttachment).toBe('cross-platform');
      for (const s of [response.id, response.response.attestationObject, response.response.clientDataJSON]) {
        expect(s).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
      }
      expect(JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString())).toEqual({
        type: 'webauthn.create',
        challenge,
        origin: ORIGIN,
        crossOrigin: false,
      });

      const reg = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        requireUserVerification: c.flags.uv !== false,
        supportedAlgorithmIDs: SUPPORTED_ALGS,
      });
      expect(reg.verified).toBe(true);
      const info = reg.registrationInfo!;
      expect(info.fmt).toBe(expectedFmt(c.attestation));
      expect(info.aaguid).toBe(c.attestation === 'fido-u2f' ? ZERO_AAGUID : DEFAULT_AAGUID);
      expect(info.credential.id).toBe(credential.id);
      expect(info.credential.counter).toBe(c.counter ?? 0);
      expect(info.credential.transports).toEqual(['usb', 'nfc']);
      expect(Buffer.from(info.credential.publicKey)).toEqual(Buffer.from(credential.publicKeyCose));
      expect(info.userVerified).toBe(c.flags.uv !== false);
      expect(info.credentialDeviceType).toBe(c.flags.be ? 'multiDevice' : 'singleDevice');
      expect(info.credentialBackedUp).toBe(c.flags.bs === true);
      expect(info.rpID).toBe(RP_ID);

      let stored = { id: info.credential.id, publicKey: info.credential.publicKey, counter: info.credential.counter };
      for (let i = 1; i <= 2; i++) {
        const authChallenge = newChallenge();
        const assertion = await auth.getAssertion({
          challenge: authChallenge,
          credentialId: credential.id,
          flags: { uv: c.flags.uv },
        });
        expect(assertion.response.userHandle).toBe(credential.userHandle);
        const verification = await verifyAuthenticationResponse({
          response: assertion,
          expectedChallenge: authChallenge,
          expectedOrigin: ORIGIN,
          expectedRPID: RP_ID,
          credential: stored,
          requireUserVerification: c.flags.uv !== false,
        });
        expect(verification.verified).toBe(true);
        expect(verification.authenticationInfo.newCounter).toBe((c.counter ?? 0) + i);
        expect(verification.authenticationInfo.credentialBackedUp).toBe(c.flags.bs === true);
        stored = { ...stored, counter: verification.authenticationInfo.newCounter };
      }
    });
  });
});

describe('CBOR encoding (cbor-x pitfalls)', () => {
  it('emits integer-keyed COSE maps and untagged byte strings', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    const { credential, response } = await auth.createCredential({
      challenge: newChallenge(),
      attestation: 'packed-full',
    });
    const cose = credential.publicKeyCose;
    // a5 = map(5), 01 02 = kty:EC2, 03 26 = alg:-7, 20 01 = crv:P-256, 21 58 20 = x:bstr(32)
    expect(Buffer.from(cose.subarray(0, 10)).toString('hex')).toBe('a5010203262001215820');
    expect(cose[0]).not.toBe(0xd9); // no tag 259

    const att = strictDecoder.decode(b64url.decode(response.response.attestationObject)) as Map<string, unknown>;
    expect(att).toBeInstanceOf(Map);
    expect([...att.keys()]).toEqual(['fmt', 'attStmt', 'authData']);
    const attStmt = att.get('attStmt') as Map<string, unknown>;
    expect(attStmt.get('alg')).toBe(-7);
    expect(attStmt.get('sig')).toBeInstanceOf(Uint8Array);
    expect((attStmt.get('x5c') as unknown[])[0]).toBeInstanceOf(Uint8Array);
    const raw = b64url.decode(response.response.attestationObject);
    expect(raw[0]).toBe(0xa3); // bare map(3), not tag 259
    // byte strings follow their keys directly as bstr (0x58/0x59 headers), never tag 64 (0xd8 0x40)
    const after = (keyHex: string): number => {
      const at = Buffer.from(raw).indexOf(Buffer.from(keyHex, 'hex'));
      expect(at).toBeGreaterThan(0);
      return raw[at + keyHex.length / 2];
    };
    expect(after('63736967')).toBe(0x58); // "sig" -> bstr(1-byte length)
    expect(after('6378356381')).toBe(0x59); // "x5c", array(1) -> bstr(2-byte length)
    expect(after('686175746844617461')).toBe(0x58); // "authData" -> bstr
  });

  it('EdDSA and RS256 COSE keys carry the right labels', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const { credential: ed } = await auth.createCredential({ challenge: newChallenge(), alg: -8 });
    const edKey = strictDecoder.decode(ed.publicKeyCose) as Map<number, unknown>;
    expect([...edKey.keys()]).toEqual([1, 3, -1, -2]);
    expect(edKey.get(1)).toBe(1);
    expect(edKey.get(-1)).toBe(6);
    expect((edKey.get(-2) as Uint8Array).length).toBe(32);

    const { credential: rsa } = await auth.createCredential({ challenge: newChallenge(), alg: -257 });
    const rsaKey = strictDecoder.decode(rsa.publicKeyCose) as Map<number, unknown>;
    expect([...rsaKey.keys()]).toEqual([1, 3, -1, -2]);
    expect(rsaKey.get(1)).toBe(3);
    expect((rsaKey.get(-1) as Uint8Array).length).toBe(256);
    expect(Buffer.from(rsaKey.get(-2) as Uint8Array).toString('hex')).toBe('010001');
  });
});

describe('discoverable credentials', () => {
  it('getAssertion without credentialId uses the newest discoverable credential and returns userHandle', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const userHandle = b64url.encode(new Uint8Array([1, 2, 3, 4]));
    await auth.createCredential({ challenge: newChallenge(), discoverable: false });
    const { credential } = await auth.createCredential({ challenge: newChallenge(), userHandle });
    const assertion = await auth.getAssertion({ challenge: newChallenge() });
    expect(assertion.id).toBe(credential.id);
    expect(assertion.response.userHandle).toBe(userHandle);
    expect(auth.credentials).toHaveLength(2);
  });

  it('omits userHandle for non-discoverable credentials', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const { credential } = await auth.createCredential({ challenge: newChallenge(), discoverable: false });
    const assertion = await auth.getAssertion({ challenge: newChallenge(), credentialId: credential.id });
    expect(assertion.response.userHandle).toBeUndefined();
    await expect(auth.getAssertion({ challenge: newChallenge() })).rejects.toThrow(/discoverable/);
  });
});

describe('negative cases', () => {
  async function setup(alg: CoseAlg = -7) {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    const reg = await register(auth, { attestation: 'packed-self', alg, flags: {} });
    const credential = { id: reg.credential.id, publicKey: reg.publicKey, counter: reg.counter };
    const verify = async (overrides: Parameters<SoftAuthenticator['getAssertion']>[0]['overrides'], counter?: number, stored = credential) => {
      const challenge = newChallenge();
      const response = await auth.getAssertion({ challenge, credentialId: credential.id, counter, overrides });
      return verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: stored,
      });
    };
    return { auth, credential, verify };
  }

  it.each([-7, -8, -257] as CoseAlg[])('bogus assertion signature (alg %d) is not verified', async (alg) => {
    const { verify } = await setup(alg);
    const result = await verify({ signature: 'bogus' });
    expect(result.verified).toBe(false);
  });

  it('garbage assertion signature -> verified false or throws', async () => {
    const { verify } = await setup(-7);
    let verified: boolean | undefined;
    try {
      verified = (await verify({ signature: new Uint8Array(64).fill(1) })).verified;
    } catch {
      verified = false;
    }
    expect(verified).toBe(false);
  });

  it('wrong origin throws', async () => {
    const { verify } = await setup();
    await expect(verify({ clientData: { origin: 'https://evil.test' } })).rejects.toThrow(/origin/);
  });

  it('wrong rpId hash throws', async () => {
    const { verify } = await setup();
    await expect(verify({ rpId: 'evil.test' })).rejects.toThrow(/RP ID/);
  });

  it('wrong clientData type throws', async () => {
    const { verify } = await setup();
    await expect(verify({ clientData: { type: 'webauthn.create' } })).rejects.toThrow(/type/);
  });

  it('tampering after signing (response hook) breaks the signature', async () => {
    const { verify } = await setup(-8);
    const result = await verify({
      response: (r) => {
        const ad = b64url.decode(r.response.authenticatorData);
        ad[36] ^= 0x01; // flip a counter bit
        return { ...r, response: { ...r.response, authenticatorData: b64url.encode(ad) } };
      },
    });
    expect(result.verified).toBe(false);
  });

  it('counter regression throws', async () => {
    const { auth, credential, verify } = await setup();
    const ok = await verify(undefined);
    expect(ok.verified).toBe(true);
    expect(ok.authenticationInfo.newCounter).toBe(1);
    const stored = { ...credential, counter: ok.authenticationInfo.newCounter };
    // replayed / cloned authenticator: counter does not advance
    await expect(verify(undefined, 1, stored)).rejects.toThrow(/counter/);
    await expect(verify(undefined, 0, stored)).rejects.toThrow(/counter/);
    // explicit counters are one-off: the internal counter continues from 1
    expect(auth.getCredential(credential.id)!.counter).toBe(1);
    const next = await verify(undefined, undefined, stored);
    expect(next.authenticationInfo.newCounter).toBe(2);
  });

  it('bogus packed self-attestation signature is not verified', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    const challenge = newChallenge();
    const { response } = await auth.createCredential({
      challenge,
      attestation: 'packed-self',
      overrides: { signature: 'bogus' },
    });
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      supportedAlgorithmIDs: SUPPORTED_ALGS,
    });
    expect(result.verified).toBe(false);
  });

  async function registerWith(
    auth: SoftAuthenticator,
    opts: Omit<Parameters<SoftAuthenticator['createCredential']>[0], 'challenge'>,
    verifyOpts: { requireUserVerification?: boolean } = {},
  ) {
    const challenge = newChallenge();
    const { response } = await auth.createCredential({ challenge, ...opts });
    return verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      supportedAlgorithmIDs: SUPPORTED_ALGS,
      ...verifyOpts,
    });
  }

  it('packed-full chained to an untrusted root throws', async () => {
    const otherCa = await createTestCa();
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca: otherCa });
    await expect(registerWith(auth, { attestation: 'packed-full' })).rejects.toThrow(/trust anchor/);
  });

  it('fido-u2f chained to an untrusted root throws', async () => {
    const otherCa = await createTestCa();
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca: otherCa });
    await expect(registerWith(auth, { attestation: 'fido-u2f' })).rejects.toThrow(/FIDOU2F/);
  });

  it('packed-full leaf with basicConstraints CA=true throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    const attestationCert = await ca.issueAttestationCert({ aaguid: DEFAULT_AAGUID, isCA: true });
    await expect(
      registerWith(auth, { attestation: 'packed-full', overrides: { attestationCert } }),
    ).rejects.toThrow(/basic constraints/);
  });

  it('packed-full leaf with wrong OU throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    const attestationCert = await ca.issueAttestationCert({
      subject: 'C=US, O=Keygate Test, OU=Something Else, CN=x',
    });
    await expect(
      registerWith(auth, { attestation: 'packed-full', overrides: { attestationCert } }),
    ).rejects.toThrow(/OU/);
  });

  it('packed-full AAGUID mismatch between authData and certificate throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    await expect(
      registerWith(auth, {
        attestation: 'packed-full',
        overrides: { aaguid: '11111111-2222-3333-4444-555555555555' },
      }),
    ).rejects.toThrow(/1\.3\.6\.1\.4\.1\.45724\.1\.1\.4/);
  });

  it('fido-u2f with non-zero AAGUID throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    await expect(
      registerWith(auth, { attestation: 'fido-u2f', overrides: { aaguid: DEFAULT_AAGUID } }),
    ).rejects.toThrow(/AAGUID/);
  });

  it('registration with wrong challenge / origin throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    await expect(
      registerWith(auth, { overrides: { clientData: { challenge: 'AAAA' } } }),
    ).rejects.toThrow(/challenge/);
    await expect(
      registerWith(auth, { overrides: { clientData: (cd) => { cd.origin = 'http://keygate.test'; } } }),
    ).rejects.toThrow(/origin/);
  });

  it('UV required but not set throws; BS without BE throws', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN });
    await expect(registerWith(auth, { flags: { uv: false } })).rejects.toThrow(/verification/);
    await expect(registerWith(auth, { flags: { be: false, bs: true } })).rejects.toThrow(/backed up/);
  });

  it('fido-u2f refuses non-ES256 credentials', async () => {
    const auth = new SoftAuthenticator({ rpId: RP_ID, origin: ORIGIN, ca });
    await expect(
      auth.createCredential({ challenge: newChallenge(), attestation: 'fido-u2f', alg: -8 }),
    ).rejects.toThrow(/ES256/);
  });
});
