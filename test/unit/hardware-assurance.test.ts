/**
 * Hardware assurance (policy/hardware-assurance.ts): `hwk` and the admin acr only for a
 * credential with trusted attestation (Chrome's virtual authenticator only under
 * devAuthenticators), no backup eligibility, and UV in the ceremony; the role's acr check.
 */
import { describe, expect, it } from '@jest/globals';
import { hardwareBound, meetsRequiredAcr, webauthnFactor } from '../../server/src/policy/hardware-assurance.js';
import { ACR, deriveSignInProof, type Acr } from '../../server/src/policy/sign-in-proof.js';
import type { AttestationVerdict } from '../../server/src/storage/ports.js';

const at = new Date('2026-01-01T00:00:00Z');
const trusted: AttestationVerdict = { trusted: true, source: 'mds', reason: 'chains to the MDS root of its AAGUID', evaluatedAt: at };
const untrusted: AttestationVerdict = { trusted: false, reason: 'no x5c (self attestation)', evaluatedAt: at };
const dev: AttestationVerdict = { trusted: true, source: 'dev', reason: "Chrome's virtual authenticator", evaluatedAt: at };
const prod = { devAuthenticators: false };
const devPolicy = { devAuthenticators: true };

describe('hardwareBound', () => {
  it.each<[string, AttestationVerdict | undefined, boolean, { devAuthenticators: boolean }, boolean]>([
    ['trusted, device-bound', trusted, false, prod, true],
    ['trusted but backup-eligible (synced passkey)', trusted, true, prod, false],
    ['self attestation', untrusted, false, prod, false],
    ['no verdict (registered before trust evaluation)', undefined, false, prod, false],
    ['virtual authenticator, production policy', dev, false, prod, false],
    ['virtual authenticator, dev policy', dev, false, devPolicy, true],
    ['virtual authenticator, dev policy, backup-eligible', dev, true, devPolicy, false],
  ])('%s → %p', (_what, attestation, backupEligible, policy, expected) => {
    expect(hardwareBound({ attestation, backupEligible }, policy)).toBe(expected);
  });
});

describe('webauthnFactor → amr/acr', () => {
  it.each<[string, AttestationVerdict | undefined, boolean, boolean, boolean, string, Acr]>([
    // [what, attestation, backupEligible, UV, after a password, amr, acr]
    ['hardware key with UV', trusted, false, true, false, 'hwk user mfa', ACR.phishingResistantHardware],
    ['hardware key, touch only, after a password: no hwk without UV', trusted, false, false, true, 'pwd swk mfa', ACR.phishingResistant],
    ['synced passkey with UV', trusted, true, true, false, 'swk user mfa', ACR.phishingResistant],
    ['self-attested key with UV', untrusted, false, true, false, 'swk user mfa', ACR.phishingResistant],
    ['hardware key with UV after a password', trusted, false, true, true, 'pwd hwk user mfa', ACR.phishingResistantHardware],
  ])('%s → [%s] %s', (_what, attestation, backupEligible, userVerified, password, amr, acr) => {
    const factor = webauthnFactor({ attestation, backupEligible }, { userVerified }, prod);
    expect(factor.userVerified).toBe(userVerified);
    const proof = deriveSignInProof(password ? [{ kind: 'password' }, factor] : [factor]);
    expect([...proof.amr].sort()).toEqual(amr.split(' ').sort());
    expect(proof.acr).toBe(acr);
  });
});

describe('meetsRequiredAcr', () => {
  it.each<[Acr, string, boolean]>([
    [ACR.phishingResistantHardware, ACR.phishingResistantHardware, true],
    [ACR.phishingResistantHardware, ACR.phishingResistant, false],
    [ACR.phishingResistantHardware, ACR.mfa, false],
    [ACR.phishingResistant, ACR.phishingResistantHardware, true],
    [ACR.singleFactor, ACR.singleFactor, true],
    [ACR.singleFactor, 'urn:example:gold', false],
  ])('required %s, session %s → %p', (requiredAcr, acr, expected) => {
    expect(meetsRequiredAcr({ requiredAcr }, acr)).toBe(expected);
  });
});
