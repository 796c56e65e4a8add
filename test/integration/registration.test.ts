/**
 * Registration over the FIDO2 server API (/attestation/options → /attestation/result),
 * through the real HTTP app with a software authenticator, on every store.
 * Each refusal is asserted by its stable `code`, and by what was NOT stored.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, type Harness } from '../helpers/harness.js';
import { createTestCa, type TestCa } from '../helpers/test-ca.js';
import { testStores } from '../helpers/test-stores.js';

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});

describe.each(testStores().map((f) => [f.name, f] as const))('registration on the %s store', (_name, factory) => {
  let store: Store;
  let h: Harness;
  const setup = async () => {
    store = await factory.open();
    h = createHarness(store, { ca });
    return h;
  };
  afterEach(async () => {
    await store?.close();
  });

  const userCount = async (username = 'alice') => ((await store.users.findByUsername(username)) ? 1 : 0);

  it.each([
    ['none', -7],
    ['packed-self', -7],
    ['packed-self', -8],
    ['packed-self', -257],
    ['packed-full', -7],
    ['fido-u2f', -7],
  ] as const)('accepts %s attestation with COSE alg %d and stores the credential', async (attestation, alg) => {
    await setup();
    const agent = h.agent();
    const auth = h.authenticator();
    const { result, credentialId, options } = await register(agent, auth, { credential: { attestation, alg, transports: ['usb', 'nfc'] } });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ status: 'ok', errorMessage: '' });
    const expectedFmt = attestation === 'none' ? 'none' : attestation === 'fido-u2f' ? 'fido-u2f' : 'packed';
    expect(result.body.debug.fmt).toBe(expectedFmt);
    const stored = await store.credentials.findById(credentialId!);
    expect(stored).toMatchObject({ userId: options.body.user.id, alg, fmt: expectedFmt, transports: ['usb', 'nfc'], counter: 0, possiblyCloned: false, disabled: false });
    expect(stored!.publicKey.length).toBeGreaterThan(30);
    expect(stored!.attestationObject.length).toBeGreaterThan(30);
    expect(stored!.createdAt.toISOString()).toMatch(/^20/);
    // The new user is created on success and signed in.
    expect(await store.users.findById(options.body.user.id)).toMatchObject({ username: 'alice', displayName: 'Alice' });
    const me = await agent.get('/account/me');
    expect(me.status).toBe(200);
    expect(me.body.user.username).toBe('alice');
  });

  it('offers every supported algorithm and honours attestation and authenticatorSelection', async () => {
    await setup();
    const res = await h
      .agent()
      .post('/attestation/options')
      .send({ username: 'Alice', displayName: 'A', attestation: 'direct', authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'required', userVerification: 'required' } });
    expect(res.status).toBe(200);
    const algs = res.body.pubKeyCredParams.map((p: { alg: number }) => p.alg);
    for (const alg of [-7, -8, -257, -37, -35, -36]) expect(algs).toContain(alg);
    expect(algs).not.toContain(-65535); // RS1 (SHA-1) only with ALLOW_RS1
    expect(res.body.attestation).toBe('direct');
    expect(res.body.authenticatorSelection).toEqual({ authenticatorAttachment: 'platform', residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(res.body.rp).toEqual({ name: 'keygate', id: 'localhost' });
    expect(res.body.user.name).toBe('alice');
    expect(res.body.user.id).not.toContain('alice');
    expect(res.body.excludeCredentials).toEqual([]);
    // Legacy requireResidentKey alone still asks for a resident key.
    const legacy = await h.agent().post('/attestation/options').send({ username: 'bob', authenticatorSelection: { requireResidentKey: true } });
    expect(legacy.body.authenticatorSelection.residentKey).toBe('required');
    // Nothing is stored by options alone.
    expect(await userCount()).toBe(0);
  });

  it('gives each new user a fresh random handle', async () => {
    await setup();
    const a = await h.agent().post('/attestation/options').send({ username: 'carol' });
    const b = await h.agent().post('/attestation/options').send({ username: 'carol' });
    expect(a.body.user.id).not.toBe(b.body.user.id);
    expect(Buffer.from(a.body.user.id, 'base64url')).toHaveLength(32);
  });

  it('lets a signed-in user add a key, sending excludeCredentials with transports', async () => {
    await setup();
    const agent = h.agent();
    const auth = h.authenticator();
    const first = await register(agent, auth, { credential: { transports: ['usb'] } });
    const second = await register(agent, h.authenticator(), { credential: { transports: ['nfc'] } });
    expect(second.options.body.excludeCredentials).toEqual([{ id: first.credentialId, type: 'public-key', transports: ['usb'] }]);
    expect(second.result.status).toBe(200);
    expect(second.options.body.user.id).toBe(first.options.body.user.id);
    expect(await store.credentials.listByUser(first.options.body.user.id)).toHaveLength(2);
  });

  it('refuses to add a key when the session ended between options and result (not_signed_in)', async () => {
    store = await factory.open();
    h = createHarness(store, { ca, env: { SESSION_TTL_SECONDS: '60' } });
    const agent = h.agent();
    const first = await register(agent, h.authenticator());
    const options = await agent.post('/attestation/options').send({ username: 'alice' });
    expect(options.status).toBe(200);
    h.clock.advance(61_000); // the session expires; the challenge (300 s) does not
    const { response } = await h.authenticator().createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
    const res = await agent.post('/attestation/result').send(response);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('not_signed_in');
    expect(await store.credentials.listByUser(first.options.body.user.id)).toHaveLength(1);
  });

  it('refuses an existing username to anyone not signed in as it (username_taken)', async () => {
    await setup();
    await register(h.agent(), h.authenticator());
    const res = await h.agent().post('/attestation/options').send({ username: ' ALICE ' });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: 'failed', code: 'username_taken' });
    expect(res.body.errorMessage).not.toBe('');
  });

  it('refuses a credential id already registered to another user and writes nothing (credential_exists)', async () => {
    await setup();
    const first = await register(h.agent(), h.authenticator(), { username: 'alice' });
    const res = await register(h.agent(), h.authenticator(), { username: 'bob', credential: { credentialId: first.credentialId } });
    expect(res.result.status).toBe(409);
    expect(res.result.body.code).toBe('credential_exists');
    expect(await userCount('bob')).toBe(0);
    expect((await store.credentials.findById(first.credentialId!))!.userId).toBe(first.options.body.user.id);
  });

  describe('the challenge', () => {
    it('is single-use: replaying a successful result is refused (no_pending_ceremony)', async () => {
      await setup();
      const agent = h.agent();
      const { response } = await register(agent, h.authenticator());
      const replay = await agent.post('/attestation/result').send(response);
      expect(replay.status).toBe(400);
      expect(replay.body.code).toBe('no_pending_ceremony');
    });

    it('is consumed by a failed attempt too', async () => {
      await setup();
      const agent = h.agent();
      const auth = h.authenticator();
      const options = await agent.post('/attestation/options').send({ username: 'alice' });
      const bad = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, overrides: { clientData: { origin: 'https://evil.example' } } });
      expect((await agent.post('/attestation/result').send(bad.response)).body.code).toBe('origin_mismatch');
      const good = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      const res = await agent.post('/attestation/result').send(good.response);
      expect(res.body.code).toBe('no_pending_ceremony');
      expect(await userCount()).toBe(0);
    });

    it('expires after CHALLENGE_TTL_SECONDS', async () => {
      await setup();
      const agent = h.agent();
      const options = await agent.post('/attestation/options').send({ username: 'alice' });
      h.clock.advance(h.config.challengeTtlSeconds * 1000 + 1);
      const { response } = await h.authenticator().createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      const res = await agent.post('/attestation/result').send(response);
      expect(res.body.code).toBe('no_pending_ceremony');
      expect(await userCount()).toBe(0);
    });

    it('is required: a result with no options before it is refused', async () => {
      await setup();
      const { response } = await h.authenticator().createCredential({ challenge: 'AAAA' });
      const res = await h.agent().post('/attestation/result').send(response);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('no_pending_ceremony');
    });

    it('belongs to its session: another session cannot finish it', async () => {
      await setup();
      const options = await h.agent().post('/attestation/options').send({ username: 'alice' });
      const { response } = await h.authenticator().createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      const res = await h.agent().post('/attestation/result').send(response);
      expect(res.body.code).toBe('no_pending_ceremony');
    });

    it('must be one issued to this session: another is no_pending_ceremony, and the real one stays usable', async () => {
      await setup();
      const agent = h.agent();
      const auth = h.authenticator();
      const options = await agent.post('/attestation/options').send({ username: 'alice' });
      const foreign = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id, overrides: { clientData: { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } } });
      expect((await agent.post('/attestation/result').send(foreign.response)).body.code).toBe('no_pending_ceremony');
      const good = await auth.createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      expect((await agent.post('/attestation/result').send(good.response)).status).toBe(200);
    });

    it('several pending per session (tabs): passkey autofill started after a registration does not replace it', async () => {
      await setup();
      const agent = h.agent();
      const auth = h.authenticator();
      const registration = await agent.post('/attestation/options').send({ username: 'alice' });
      const autofill = await agent.post('/assertion/options').send({});
      const { response } = await auth.createCredential({ challenge: registration.body.challenge, userHandle: registration.body.user.id });
      expect((await agent.post('/attestation/result').send(response)).status).toBe(200);
      // Signing in rotated the session id: what the old (anonymous) session had pending ended with it.
      const assertion = await auth.getAssertion({ challenge: autofill.body.challenge });
      expect((await agent.post('/assertion/result').send(assertion)).body.code).toBe('no_pending_ceremony');
      // A registration answered at the sign-in endpoint is consumed and refused as the other kind.
      const another = await agent.post('/attestation/options').send({ username: 'alice' });
      const second = await h.authenticator().createCredential({ challenge: another.body.challenge, userHandle: another.body.user.id });
      expect((await agent.post('/assertion/result').send(second.response)).body.code).toBe('ceremony_mismatch');
      expect((await agent.post('/attestation/result').send(second.response)).body.code).toBe('no_pending_ceremony');
    });

    it('keeps at most 5 pending per session: a sixth drops the oldest', async () => {
      await setup();
      const agent = h.agent();
      const started = [];
      for (let i = 0; i < 6; i++) started.push((await agent.post('/attestation/options').send({ username: `user${i}` })).body);
      const finish = async (o: { challenge: string; user: { id: string } }) =>
        (await agent.post('/attestation/result').send((await h.authenticator().createCredential({ challenge: o.challenge, userHandle: o.user.id })).response)).body.code ?? 'ok';
      expect(await finish(started[0])).toBe('no_pending_ceremony');
      expect(await finish(started[5])).toBe('ok');
    });

    it('a response with no readable challenge ends every ceremony the session had pending', async () => {
      await setup();
      const agent = h.agent();
      const options = await agent.post('/attestation/options').send({ username: 'alice' });
      const broken = await agent.post('/attestation/result').send({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'not json', attestationObject: 'AAAA' } });
      expect(broken.status).toBe(400);
      const { response } = await h.authenticator().createCredential({ challenge: options.body.challenge, userHandle: options.body.user.id });
      expect((await agent.post('/attestation/result').send(response)).body.code).toBe('no_pending_ceremony');
    });
  });

  it.each([
    ['ceremony_type_mismatch', { overrides: { clientData: { type: 'webauthn.get' } } }],
    ['origin_mismatch', { overrides: { clientData: { origin: 'http://localhost:4000' } } }],
    ['rp_id_mismatch', { overrides: { rpId: 'evil.example' } }],
    ['user_presence_missing', { flags: { up: false } }],
    ['attestation_invalid', { attestation: 'packed-self', overrides: { signature: 'bogus' } }],
    ['credential_id_mismatch', { overrides: { id: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', rawId: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }],
    ['cross_origin_not_allowed', { overrides: { clientData: { crossOrigin: true, topOrigin: 'https://evil.example' } } }],
  ] as const)('refuses with %s and stores nothing', async (code, credential) => {
    await setup();
    const res = await register(h.agent(), h.authenticator(), { credential: credential as never });
    expect(res.result.status).toBe(400);
    expect(res.result.body).toMatchObject({ status: 'failed', code });
    expect(res.result.body.errorMessage).not.toBe('');
    expect(res.result.body.detail).toEqual(expect.any(String));
    expect(await userCount()).toBe(0);
    expect(await store.credentials.findById(res.credentialId!)).toBeUndefined();
  });

  it('accepts a 1023-byte credential id and refuses 1024 bytes (credential_id_too_long, WebAuthn L3 §7.1)', async () => {
    await setup();
    const idOf = (n: number) => Buffer.alloc(n, 7).toString('base64url');
    const tooLong = await register(h.agent(), h.authenticator(), { credential: { credentialId: idOf(1024) } });
    expect(tooLong.result.status).toBe(400);
    expect(tooLong.result.body.code).toBe('credential_id_too_long');
    expect(await userCount()).toBe(0);
    const longest = await register(h.agent(), h.authenticator(), { credential: { credentialId: idOf(1023) } });
    expect(longest.result.status).toBe(200);
    expect((await store.credentials.findById(idOf(1023)))!.id).toBe(idOf(1023));
  });

  it('RS1 (SHA-1) is neither offered nor accepted unless ALLOW_RS1=true (legacy Windows Hello TPMs)', async () => {
    // An RS256 key whose COSE alg says RS1 (-257 = 39 0100 becomes -65535 = 39 fffe); `none`
    // attestation signs nothing with it, so only the alg check decides.
    const rs1 = (bytes: Uint8Array) => {
      const hex = Buffer.from(bytes).toString('hex');
      expect(hex).toContain('a4010303390100');
      return new Uint8Array(Buffer.from(hex.replace('a4010303390100', 'a401030339fffe'), 'hex'));
    };
    await setup();
    const refused = await register(h.agent(), h.authenticator(), { credential: { alg: -257, overrides: { authData: rs1 } } });
    expect(refused.result.body.code).toBe('unsupported_algorithm');
    expect(await userCount()).toBe(0);

    h = createHarness(store, { env: { ALLOW_RS1: 'true' } });
    const accepted = await register(h.agent(), h.authenticator(), { credential: { alg: -257, overrides: { authData: rs1 } } });
    expect(accepted.options.body.pubKeyCredParams.at(-1)).toEqual({ type: 'public-key', alg: -65535 });
    expect(accepted.result.status).toBe(200);
  });

  it('refuses a key algorithm keygate did not offer (unsupported_algorithm)', async () => {
    await setup();
    // Rewrite the COSE key's alg from -7 (26) to -48 ML-DSA-44 (38 2f) before the authenticator signs.
    const mldsa = (bytes: Uint8Array) => {
      const hex = Buffer.from(bytes).toString('hex');
      expect(hex).toContain('a501020326');
      return new Uint8Array(Buffer.from(hex.replace('a501020326', 'a50102'+'03382f'), 'hex'));
    };
    const res = await register(h.agent(), h.authenticator(), { credential: { attestation: 'packed-self', alg: -7, overrides: { authData: mldsa } } });
    expect(res.result.status).toBe(400);
    expect(res.result.body.code).toBe('unsupported_algorithm');
    expect(await userCount()).toBe(0);
  });

  it('policy requires UV for a new passwordless account, whatever the request asks (user_verification_missing)', async () => {
    await setup();
    for (const asked of ['required', 'preferred', 'discouraged'] as const) {
      const refused = await register(h.agent(), h.authenticator(), { userVerification: asked, credential: { flags: { uv: false } } });
      expect(refused.options.body.authenticatorSelection.userVerification).toBe('required');
      expect(refused.result.body.code).toBe('user_verification_missing');
    }
    expect(await userCount()).toBe(0);
  });

  it('USER_VERIFICATION=client (FIDO2 conformance profile) lets the request choose', async () => {
    store = await factory.open();
    h = createHarness(store, { env: { USER_VERIFICATION: 'client' } });
    const refused = await register(h.agent(), h.authenticator(), { userVerification: 'required', credential: { flags: { uv: false } } });
    expect(refused.result.body.code).toBe('user_verification_missing');
    const accepted = await register(h.agent(), h.authenticator(), { userVerification: 'preferred', credential: { flags: { uv: false } } });
    expect(accepted.options.body.authenticatorSelection.userVerification).toBe('preferred');
    expect(accepted.result.status).toBe(200);
    expect((await store.credentials.findById(accepted.credentialId!))!.userVerified).toBe(false);
  });

  it('records BE/BS, AAGUID and credProps.rk', async () => {
    await setup();
    const auth = h.authenticator({ aaguid: '01020304-0506-0708-0102-030405060708' });
    const res = await register(h.agent(), auth, {
      credential: { attestation: 'packed-self', flags: { be: true, bs: true }, transports: ['internal', 'hybrid'], clientExtensionResults: { credProps: { rk: true } } },
    });
    expect(res.result.status).toBe(200);
    expect(res.result.body.credential).toMatchObject({ kind: 'synced_passkey', model: 'Chrome virtual authenticator (DevTools)', backupEligible: true, backedUp: true, discoverable: true });
    expect(await store.credentials.findById(res.credentialId!)).toMatchObject({ aaguid: '01020304-0506-0708-0102-030405060708', backupEligible: true, backedUp: true, discoverable: true });
  });
});
