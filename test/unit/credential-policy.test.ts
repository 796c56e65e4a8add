/**
 * Credential policy (policy/credential-policy.ts): each rule passes and fails on its own, in
 * the documented order, named by `rule`; absent facts fail closed; assertions re-check the
 * stored credential and their own UV flag; the "done when" matrix for an admin policy
 * with an AAGUID allow-list and trusted attestation.
 */
import { describe, expect, it } from '@jest/globals';
import type { MetadataStatusVerdict } from '../../server/src/attestation/trust-types.js';
import {
  RULES,
  attestationTrusted,
  evaluateAssertion,
  evaluateCredential,
  policyCeremonyFloor,
  VIOLATION_VARIANT,
  type CredentialFacts,
  type PolicyRule,
} from '../../server/src/policy/credential-policy.js';
import { loadRolePolicies, type RolePolicy } from '../../server/src/policy/role-policy.js';
import type { AttestationVerdict } from '../../server/src/storage/ports.js';

const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';
const OTHER = 'ee882879-721c-4913-9775-3dfcce97072a';
const at = new Date('2026-01-01T00:00:00Z');
const trusted: AttestationVerdict = { trusted: true, source: 'anchor', anchor: 'CN=Yubico U2F Root CA Serial 457200631, sha256:AB', reason: 'chains to a configured anchor', evaluatedAt: at };
const selfAttested: AttestationVerdict = { trusted: false, reason: 'no x5c (self attestation)', evaluatedAt: at };
const noneVerdict: AttestationVerdict = { trusted: false, reason: 'attestation format none', evaluatedAt: at };
const devVerdict: AttestationVerdict = { trusted: true, source: 'dev', reason: "Chrome's virtual authenticator batch certificate", evaluatedAt: at };
const listed: MetadataStatusVerdict = { listed: true, status: 'FIDO_CERTIFIED_L1', refused: false };
const revoked: MetadataStatusVerdict = { listed: true, status: 'REVOKED', effectiveDate: '2025-06-01', refused: true };

/** A trusted, device-bound, UV-capable USB security key: passes every rule of every policy below. */
const key: CredentialFacts = { fmt: 'packed', aaguid: YUBIKEY, attestation: trusted, backupEligible: false, userVerified: true, transports: ['nfc', 'usb'], attachment: 'cross-platform' };
const user = loadRolePolicies(undefined, { nodeEnv: 'test' }).forRole('user');

/** The user policy with `o` on top (every rule permissive unless set). */
const policy = (o: Partial<RolePolicy>): RolePolicy => ({ ...user, ...o });

describe('evaluateCredential: one rule at a time', () => {
  // [rule, policy, facts that pass it, facts that fail it, MDS status when failing]: the
  // passing facts are `key` with the overrides, the failing ones those with the second set.
  it.each<[PolicyRule, Partial<RolePolicy>, Partial<CredentialFacts>, Partial<CredentialFacts>, MetadataStatusVerdict | undefined]>([
    ['attestationFormats', { attestationFormats: ['packed', 'tpm'] }, {}, { fmt: 'none' }, undefined],
    ['attestationFormats', { attestationFormats: ['tpm'] }, { fmt: 'tpm' }, { fmt: 'packed' }, undefined],
    ['trustRequired', { trustRequired: true }, {}, { attestation: selfAttested }, undefined],
    ['trustRequired', { trustRequired: true }, {}, { attestation: undefined }, undefined],
    ['trustRequired', { trustRequired: true }, {}, { attestation: devVerdict }, undefined],
    ['aaguidDeny', { aaguidDeny: [OTHER] }, {}, { aaguid: OTHER }, undefined],
    ['aaguidDeny', { aaguidDeny: [OTHER] }, {}, { aaguid: OTHER.toUpperCase() }, undefined],
    ['aaguidAllow', { aaguidAllow: [YUBIKEY] }, { aaguid: YUBIKEY.toUpperCase() }, { aaguid: OTHER }, undefined],
    ['mdsStatus', { refuseMdsStatus: true }, {}, {}, revoked],
    ['userVerification', { userVerification: 'required' }, {}, { userVerified: false }, undefined],
    ['syncedAllowed', { syncedAllowed: false }, {}, { backupEligible: true }, undefined],
    ['attachments', { attachments: ['cross-platform'] }, {}, { attachment: 'platform' }, undefined],
    ['attachments', { attachments: ['cross-platform'] }, {}, { attachment: undefined }, undefined],
    ['transports', { transports: ['usb', 'nfc'] }, { transports: ['usb'] }, { transports: ['usb', 'hybrid'] }, undefined],
    ['transports', { transports: ['usb', 'nfc'] }, {}, { transports: [] }, undefined],
  ])('%s: %j passes %j, refuses %j', (rule, o, passing, failing, mds) => {
    const p = policy(o);
    expect(evaluateCredential(p, { ...key, ...passing }, listed)).toEqual({ ok: true });
    const verdict = evaluateCredential(p, { ...key, ...failing }, mds);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.rule).toBe(rule);
      expect(verdict.detail.length).toBeGreaterThan(10);
      expect(VIOLATION_VARIANT[verdict.rule]).toBeDefined();
    }
  });

  it('the permissive user policy accepts anything, even `none` of a synced passkey with no UV', () => {
    const passkey: CredentialFacts = { fmt: 'none', aaguid: '00000000-0000-0000-0000-000000000000', backupEligible: true, userVerified: false, transports: [] };
    expect(evaluateCredential(user, passkey)).toEqual({ ok: true });
    expect(evaluateCredential(user, passkey, { listed: false, refused: false })).toEqual({ ok: true });
  });

  it('refuseMdsStatus false lets a refused status pass; unlisted and unknown statuses pass', () => {
    expect(evaluateCredential(policy({ refuseMdsStatus: false }), key, revoked)).toEqual({ ok: true });
    expect(evaluateCredential(policy({ refuseMdsStatus: true }), key, { listed: false, refused: false })).toEqual({ ok: true });
    expect(evaluateCredential(policy({ refuseMdsStatus: true }), key, undefined)).toEqual({ ok: true });
  });

  it('names the MDS status and its date', () => {
    const v = evaluateCredential(user, key, revoked);
    expect(v).toEqual({ ok: false, rule: 'mdsStatus', detail: `the FIDO metadata status of AAGUID ${YUBIKEY} is REVOKED (since 2025-06-01)` });
  });

  it('checks the rules in the documented order: the first failing one is named', () => {
    const strict = policy({
      attestationFormats: ['packed'],
      trustRequired: true,
      aaguidDeny: [OTHER],
      aaguidAllow: [YUBIKEY],
      refuseMdsStatus: true,
      userVerification: 'required',
      syncedAllowed: false,
      attachments: ['cross-platform'],
      transports: ['usb'],
    });
    // Failing every rule at once (the AAGUID is denied, so the allow-list is never reached);
    // fixing what each refusal names reveals the next one, in RULES order.
    const fix: Record<PolicyRule, Partial<CredentialFacts>> = {
      attestationFormats: { fmt: 'packed' },
      trustRequired: { attestation: trusted },
      aaguidDeny: { aaguid: YUBIKEY },
      aaguidAllow: {},
      mdsStatus: {},
      userVerification: { userVerified: true },
      syncedAllowed: { backupEligible: false },
      attachments: { attachment: 'cross-platform' },
      transports: { transports: ['usb'] },
    };
    let facts: CredentialFacts = { fmt: 'none', aaguid: OTHER, backupEligible: true, userVerified: false, transports: ['hybrid'], attachment: 'platform' };
    let mds: MetadataStatusVerdict | undefined = revoked;
    const seen: PolicyRule[] = [];
    for (let v = evaluateCredential(strict, facts, mds); !v.ok && seen.length < 20; v = evaluateCredential(strict, facts, mds)) {
      seen.push(v.rule);
      facts = { ...facts, ...fix[v.rule] };
      if (v.rule === 'mdsStatus') mds = listed;
    }
    expect(seen).toEqual([...RULES].filter((r) => r !== 'aaguidAllow'));
    expect(evaluateCredential(strict, facts, mds)).toEqual({ ok: true });
  });

  it('aaguidAllow is reached on its own once the AAGUID is not denied', () => {
    const v = evaluateCredential(policy({ aaguidDeny: [OTHER], aaguidAllow: [YUBIKEY] }), { ...key, aaguid: '2fc0579f-8113-47ea-b116-bb5a8db9202a' });
    expect(v.ok || v.rule).toBe('aaguidAllow');
  });
});

describe('attestationTrusted', () => {
  it.each<[AttestationVerdict | undefined, boolean, boolean]>([
    [trusted, false, true],
    [selfAttested, false, false],
    [undefined, false, false],
    [devVerdict, false, false],
    [devVerdict, true, true],
    [{ ...devVerdict, trusted: false }, true, false],
  ])('%j with devAuthenticators %p → %p', (verdict, devAuthenticators, expected) => {
    expect(attestationTrusted({ devAuthenticators }, verdict)).toBe(expected);
  });
});

describe('the issue\'s matrix: admin requiring an allow-listed AAGUID and trusted attestation', () => {
  const admin = loadRolePolicies('/etc/keygate/policy.json', {
    nodeEnv: 'production',
    readFile: () => JSON.stringify({ roles: { admin: { aaguidAllow: [YUBIKEY], trustRequired: true } } }),
  }).forRole('admin');

  it.each<[string, CredentialFacts, MetadataStatusVerdict | undefined, PolicyRule | undefined]>([
    ['a trusted key of the allowed model', key, listed, undefined],
    ['a self-attested key (packed, no x5c)', { ...key, attestation: selfAttested }, listed, 'trustRequired'],
    ['attestation `none`', { ...key, fmt: 'none', attestation: noneVerdict }, undefined, 'attestationFormats'],
    ['a synced passkey (backup-eligible)', { ...key, backupEligible: true }, listed, 'syncedAllowed'],
    ['a revoked model', key, revoked, 'mdsStatus'],
    ['a trusted key of another model', { ...key, aaguid: OTHER }, undefined, 'aaguidAllow'],
    ['a key that did not verify the user', { ...key, userVerified: false }, listed, 'userVerification'],
    ['Chrome\'s virtual authenticator outside the dev policy', { ...key, attestation: devVerdict }, undefined, 'trustRequired'],
  ])('%s → %p', (_what, facts, mds, rule) => {
    const v = evaluateCredential(admin, facts, mds);
    expect(v.ok ? undefined : v.rule).toBe(rule);
  });

  it('the dev policy accepts Chrome\'s virtual authenticator for admin', () => {
    const devAdmin = loadRolePolicies('dev', { nodeEnv: 'development' }).forRole('admin');
    expect(evaluateCredential(devAdmin, { ...key, attestation: devVerdict })).toEqual({ ok: true });
  });
});

describe('evaluateAssertion', () => {
  const admin = loadRolePolicies(undefined, { nodeEnv: 'test' }).forRole('admin');

  it('passes a stored credential that still satisfies the policy, with UV', () => {
    expect(evaluateAssertion(admin, key, { userVerified: true }, listed)).toEqual({ ok: true });
  });

  it('without UV where UV is required: refuses this assertion only', () => {
    expect(evaluateAssertion(admin, key, { userVerified: false })).toMatchObject({ ok: false, rule: 'userVerification', scope: 'assertion' });
    expect(evaluateAssertion(user, key, { userVerified: false })).toEqual({ ok: true });
  });

  it('a credential registered without UV passes once the assertion verifies the user', () => {
    expect(evaluateAssertion(admin, { ...key, userVerified: false }, { userVerified: true })).toEqual({ ok: true });
  });

  it.each<[string, CredentialFacts, MetadataStatusVerdict | undefined, PolicyRule]>([
    ['the model was revoked since', key, revoked, 'mdsStatus'],
    ['a credential registered before trust evaluation', { ...key, attestation: undefined }, undefined, 'trustRequired'],
    ['a synced passkey, after the policy stopped allowing them', { ...key, backupEligible: true }, undefined, 'syncedAllowed'],
  ])('%s: the credential no longer satisfies the policy (checked before UV)', (_what, facts, mds, rule) => {
    expect(evaluateAssertion(admin, facts, { userVerified: false }, mds)).toMatchObject({ ok: false, rule, scope: 'credential' });
  });

  it('a set attachments rule fails closed on credentials that never recorded their attachment', () => {
    const p = policy({ attachments: ['cross-platform'] });
    expect(evaluateAssertion(p, { ...key, attachment: undefined }, { userVerified: true })).toMatchObject({ ok: false, rule: 'attachments', scope: 'credential' });
  });
});

describe('policyCeremonyFloor', () => {
  it.each<[string, Partial<RolePolicy>, ReturnType<typeof policyCeremonyFloor>]>([
    ['user: nothing beyond the purpose', {}, { userVerification: 'discouraged', attestation: 'none', authenticatorAttachment: undefined }],
    ['UV required', { userVerification: 'required' }, { userVerification: 'required', attestation: 'none', authenticatorAttachment: undefined }],
    ['trust required → direct attestation', { trustRequired: true }, { userVerification: 'discouraged', attestation: 'direct', authenticatorAttachment: undefined }],
    ['an allow-list → direct attestation', { aaguidAllow: [YUBIKEY] }, { userVerification: 'discouraged', attestation: 'direct', authenticatorAttachment: undefined }],
    ['formats without none → direct', { attestationFormats: ['packed'] }, { userVerification: 'discouraged', attestation: 'direct', authenticatorAttachment: undefined }],
    ['formats with none → none', { attestationFormats: ['none', 'packed'] }, { userVerification: 'discouraged', attestation: 'none', authenticatorAttachment: undefined }],
    ['one attachment → the hint', { attachments: ['cross-platform'] }, { userVerification: 'discouraged', attestation: 'none', authenticatorAttachment: 'cross-platform' }],
    ['two attachments → no hint', { attachments: ['cross-platform', 'platform'] }, { userVerification: 'discouraged', attestation: 'none', authenticatorAttachment: undefined }],
  ])('%s', (_what, o, expected) => {
    expect(policyCeremonyFloor(policy(o))).toEqual(expected);
  });

  it('the admin default asks for UV and a direct attestation', () => {
    expect(policyCeremonyFloor(loadRolePolicies(undefined, { nodeEnv: 'test' }).forRole('admin'))).toEqual({ userVerification: 'required', attestation: 'direct', authenticatorAttachment: undefined });
  });
});
