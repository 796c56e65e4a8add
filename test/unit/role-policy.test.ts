/**
 * Per-role policy file (policy/role-policy.ts): built-in defaults, `dev`, file loading with
 * errors naming the file and the JSON path of the rule, unknown keys refused, production
 * refusals, per-role defaults for omitted keys and frozen results; and
 * the secondFactors rule (policy/second-factor-policy.ts).
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRolePolicies } from '../../server/src/policy/role-policy.js';
import { ACR } from '../../server/src/policy/sign-in-proof.js';
import { countsSecondFactor, allowedNextSteps, mayUseSecondFactor, secondFactorRefusal } from '../../server/src/policy/second-factor-policy.js';

const dir = mkdtempSync(join(tmpdir(), 'keygate-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(content: unknown): string {
  const path = join(dir, `policy-${++n}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
const dev = { nodeEnv: 'development' };
const prod = { nodeEnv: 'production' };
const YUBIKEY = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return (err as Error).message;
  }
  throw new Error('expected a TypeError');
}

describe('built-in defaults (POLICY_FILE unset)', () => {
  const p = loadRolePolicies(undefined, prod);

  it('user: permissive, TOTP and recovery codes count', () => {
    expect(p.forRole('user')).toEqual({
      role: 'user',
      attestationFormats: 'any',
      trustRequired: false,
      aaguidAllow: 'any',
      aaguidDeny: [],
      userVerification: 'preferred',
      syncedAllowed: true,
      attachments: 'any',
      transports: 'any',
      secondFactors: ['approval', 'email', 'recovery_code', 'sms', 'totp'],
      refuseMdsStatus: true,
      devAuthenticators: false,
      requiredAcr: ACR.singleFactor,
    });
  });

  it('admin: trusted, device-bound, UV, no TOTP, the hardware acr', () => {
    expect(p.forRole('admin')).toEqual({
      role: 'admin',
      attestationFormats: ['android-key', 'apple', 'fido-u2f', 'packed', 'tpm'],
      trustRequired: true,
      aaguidAllow: 'any',
      aaguidDeny: [],
      userVerification: 'required',
      syncedAllowed: false,
      attachments: 'any',
      transports: 'any',
      secondFactors: [],
      refuseMdsStatus: true,
      devAuthenticators: false,
      requiredAcr: ACR.phishingResistantHardware,
    });
  });

  it('no role is user; an unknown role gets the user policy and is reported as unknown', () => {
    expect(p.forRole(undefined).role).toBe('user');
    expect(p.knows(undefined)).toBe(true);
    expect(p.knows('auditor')).toBe(false);
    expect(p.forRole('auditor')).toBe(p.forRole('user'));
    // Not inherited from Object.prototype.
    expect(p.knows('constructor')).toBe(false);
    expect(p.forRole('toString').role).toBe('user');
  });

  it('is frozen, all the way down', () => {
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.roles)).toBe(true);
    expect(Object.isFrozen(p.forRole('admin'))).toBe(true);
    expect(Object.isFrozen(p.forRole('admin').attestationFormats)).toBe(true);
    expect(p.source).toBe('built-in');
    expect(p.devAuthenticators).toBe(false);
  });
});

describe('POLICY_FILE=dev', () => {
  it('accepts Chrome\'s virtual authenticator for every role, outside production', () => {
    const p = loadRolePolicies('dev', dev);
    expect(p.source).toBe('dev');
    expect(p.devAuthenticators).toBe(true);
    expect(p.forRole('admin')).toEqual({ ...loadRolePolicies(undefined, dev).forRole('admin'), devAuthenticators: true });
    expect(p.forRole('user').devAuthenticators).toBe(true);
    expect(loadRolePolicies('dev', { nodeEnv: 'test' }).devAuthenticators).toBe(true);
  });

  it('is refused in production', () => {
    expect(errorOf(() => loadRolePolicies('dev', prod))).toMatch(/^POLICY_FILE dev .*refused in production/);
  });
});

describe('a policy file', () => {
  it('fills omitted keys from the role\'s default: admin\'s for admin, user\'s for others', () => {
    const path = file({ roles: { admin: { aaguidAllow: [YUBIKEY.toUpperCase()] }, operator: { trustRequired: true } } });
    const p = loadRolePolicies(path, prod);
    expect(p.source).toBe(path);
    expect(p.forRole('admin')).toEqual({ ...loadRolePolicies(undefined, prod).forRole('admin'), aaguidAllow: [YUBIKEY] });
    expect(p.forRole('operator')).toEqual({ ...loadRolePolicies(undefined, prod).forRole('user'), role: 'operator', trustRequired: true });
    expect(p.knows('operator')).toBe(true);
    // user always exists even when the file does not name it.
    expect(p.forRole('user').role).toBe('user');
  });

  it('"any" lifts a restriction explicitly; lists become sorted sets', () => {
    const p = loadRolePolicies(file({ roles: { admin: { attestationFormats: 'any', transports: ['usb', 'nfc', 'usb'], secondFactors: ['totp'] } } }), prod);
    expect(p.forRole('admin').attestationFormats).toBe('any');
    expect(p.forRole('admin').transports).toEqual(['nfc', 'usb']);
    expect(p.forRole('admin').secondFactors).toEqual(['totp']);
  });

  it('an empty roles object is the built-in defaults', () => {
    expect(loadRolePolicies(file({ roles: {} }), prod).roles).toEqual(loadRolePolicies(undefined, prod).roles);
  });

  // [what, file content, message after "POLICY_FILE <path>: "]
  it.each<[string, unknown, string]>([
    ['not JSON', '{ "roles": ', 'is not valid JSON'],
    ['not an object', '[]', 'must be a JSON object with "roles"'],
    ['no roles', {}, 'roles: is required'],
    ['an unknown top-level key', { roles: {}, role: {} }, 'unknown key "role"'],
    ['a typo in a rule name', { roles: { admin: { aaguidAlow: [YUBIKEY] } } }, 'roles.admin: unknown key "aaguidAlow"'],
    ['a bad AAGUID', { roles: { admin: { aaguidAllow: [YUBIKEY, 'yubikey'] } } }, 'roles.admin.aaguidAllow[1]: must be a UUID'],
    ['a bad denied AAGUID', { roles: { user: { aaguidDeny: [42] } } }, 'roles.user.aaguidDeny[0]: must be a UUID'],
    ['an empty allow-list', { roles: { admin: { aaguidAllow: [] } } }, 'roles.admin.aaguidAllow: must not be empty'],
    ['allow-list neither "any" nor a list', { roles: { admin: { aaguidAllow: 'all' } } }, 'roles.admin.aaguidAllow: must be "any" or a non-empty list'],
    ['an unknown format', { roles: { admin: { attestationFormats: ['packed', 'u2f'] } } }, 'roles.admin.attestationFormats[1]: must be one of packed, tpm'],
    ['a boolean as a string', { roles: { admin: { trustRequired: 'yes' } } }, 'roles.admin.trustRequired: must be true or false'],
    ['UV discouraged', { roles: { user: { userVerification: 'discouraged' } } }, 'roles.user.userVerification: must be one of required, preferred'],
    ['an unknown attachment', { roles: { admin: { attachments: ['roaming'] } } }, 'roles.admin.attachments[0]: must be one of platform, cross-platform'],
    ['an unknown transport', { roles: { admin: { transports: ['usb', 'wifi'] } } }, 'roles.admin.transports[1]: must be one of usb'],
    ['an unknown second factor', { roles: { user: { secondFactors: ['push'] } } }, 'roles.user.secondFactors[0]: must be one of totp, recovery_code, sms, email'],
    ['an unknown acr', { roles: { admin: { requiredAcr: 'phrh' } } }, 'roles.admin.requiredAcr: must be one of urn:keygate:acr:sf'],
    ['a bad role name', { roles: { Admin: {} } }, 'roles.Admin: role names are'],
    ['a role that is not an object', { roles: { admin: true } }, 'roles.admin: must be an object of rules'],
    ['an AAGUID both allowed and denied', { roles: { admin: { aaguidAllow: [YUBIKEY], aaguidDeny: [YUBIKEY.toUpperCase()] } } }, `roles.admin.aaguidDeny[0]: ${YUBIKEY} is also in aaguidAllow`],
    ['trust required with only none', { roles: { ops: { trustRequired: true, attestationFormats: ['none'] } } }, 'roles.ops.trustRequired: is true but attestationFormats allows only "none"'],
  ])('refuses %s, naming the rule', (_what, content, message) => {
    const path = file(content);
    const msg = errorOf(() => loadRolePolicies(path, dev));
    expect(msg.startsWith(`POLICY_FILE ${path}: `)).toBe(true);
    expect(msg.slice(`POLICY_FILE ${path}: `.length)).toContain(message);
  });

  it('refuses a file that cannot be read', () => {
    const path = join(dir, 'missing.json');
    expect(errorOf(() => loadRolePolicies(path, dev))).toBe(`POLICY_FILE ${path}: cannot be read (ENOENT)`);
  });

  it('reads through the injected readFile', () => {
    const p = loadRolePolicies('/etc/keygate/policy.json', { nodeEnv: 'production', readFile: () => JSON.stringify({ roles: { admin: { syncedAllowed: true } } }) });
    expect(p.forRole('admin').syncedAllowed).toBe(true);
  });

  it('devAuthenticators: allowed outside production, refused in production', () => {
    const path = file({ roles: { admin: { devAuthenticators: true } } });
    expect(loadRolePolicies(path, dev).devAuthenticators).toBe(true);
    expect(errorOf(() => loadRolePolicies(path, prod))).toBe(`POLICY_FILE ${path}: roles.admin.devAuthenticators: Chrome's virtual authenticator is refused in production`);
    // Saying false in production is fine.
    expect(loadRolePolicies(file({ roles: { admin: { devAuthenticators: false } } }), prod).devAuthenticators).toBe(false);
  });
});

describe('secondFactors (policy/second-factor-policy.ts)', () => {
  const p = loadRolePolicies(undefined, prod);

  it.each<[string, 'totp' | 'recovery_code', boolean]>([
    ['user', 'totp', true],
    ['user', 'recovery_code', true],
    ['admin', 'totp', false],
    ['admin', 'recovery_code', false],
  ])('%s may use %s: %p', (role, factor, expected) => {
    expect(mayUseSecondFactor(p.forRole(role), factor)).toBe(expected);
    expect(secondFactorRefusal(p.forRole(role), factor)?.rule).toBe(expected ? undefined : 'secondFactors');
  });

  it('narrows what a password may continue with; keys and enrolment pass', () => {
    expect(allowedNextSteps(p.forRole('user'), ['webauthn', 'totp', 'recovery_code'])).toEqual(['webauthn', 'totp', 'recovery_code']);
    expect(allowedNextSteps(p.forRole('admin'), ['webauthn', 'totp', 'recovery_code'])).toEqual(['webauthn']);
    expect(allowedNextSteps(p.forRole('admin'), ['enrol'])).toEqual(['enrol']);
    const ops = loadRolePolicies(file({ roles: { admin: { secondFactors: ['recovery_code'] } } }), prod).forRole('admin');
    expect(allowedNextSteps(ops, ['totp', 'recovery_code'])).toEqual(['recovery_code']);
  });

  it('SMS and email codes count for the built-in user only where OOB_CHANNELS enables them; never for admin', () => {
    expect(countsSecondFactor(p.forRole('user'), 'sms', [])).toBe(false);
    expect(countsSecondFactor(p.forRole('user'), 'sms', ['sms'])).toBe(true);
    expect(countsSecondFactor(p.forRole('user'), 'email', ['sms'])).toBe(false);
    expect(countsSecondFactor(p.forRole('user'), 'totp', [])).toBe(true);
    expect(countsSecondFactor(p.forRole('admin'), 'sms', ['sms', 'email'])).toBe(false);
    expect(countsSecondFactor(p.forRole('admin'), 'email', ['sms', 'email'])).toBe(false);
    expect(allowedNextSteps(p.forRole('admin'), ['sms', 'email'])).toEqual([]);
    const ops = loadRolePolicies(file({ roles: { ops: { secondFactors: ['totp'] } } }), prod).forRole('ops');
    expect(countsSecondFactor(ops, 'sms', ['sms'])).toBe(false);
  });

  it('says what counts in the refusal detail', () => {
    expect(secondFactorRefusal(p.forRole('admin'), 'totp')?.detail).toBe('totp does not count as a second factor for role admin; counted: none (a security key only)');
  });
});
