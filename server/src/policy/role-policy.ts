import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ACR, type Acr } from './sign-in-proof.js';

/**
 * Per-role authenticator policy (issue 8; DESIGN.md "Who decides"): which authenticators a
 * user of a role may register and keep using, and which non-WebAuthn second factors count for
 * them. Read once at start from POLICY_FILE (config/trust-keys.ts), validated, frozen, passed
 * down; evaluated by policy/credential-policy.ts (registration and every assertion),
 * policy/hardware-assurance.ts (amr `hwk`, the role's acr) and policy/second-factor-policy.ts.
 *
 * The file (JSON; every key optional except `roles`; unknown keys are errors, so a typo can
 * never silently weaken a policy; the `//` notes below are explanation, JSON has no comments):
 *
 * ```json
 * { "roles": { "admin": {
 *     "attestationFormats": ["packed", "tpm"],        // or "any"
 *     "trustRequired": true,
 *     "aaguidAllow": ["cb69481e-8ff7-4039-93ec-0a2729a154a8"],  // or "any"
 *     "aaguidDeny": [],
 *     "userVerification": "required",               // or "preferred"
 *     "syncedAllowed": false,
 *     "attachments": ["cross-platform"],            // or "any"
 *     "transports": ["usb", "nfc"],                 // or "any"
 *     "secondFactors": [],                          // of "totp", "recovery_code", "sms", "email", "approval"
 *     "refuseMdsStatus": true,
 *     "devAuthenticators": false,
 *     "requiredAcr": "urn:keygate:acr:phrh" } } }
 * ```
 *
 * Roles `user` and `admin` always exist. A key a role's entry omits takes that role's built-in
 * default: `admin`'s for `admin`, `user`'s for every other role (so a file that only lists
 * `aaguidAllow` for admin keeps admin's trust, UV and device-bound requirements). `"any"` says
 * "no restriction" explicitly; an empty list is an error (it would refuse everything; omit the
 * key or say "any"). AAGUIDs are matched case-insensitively and kept lower-case.
 */

export const ATTESTATION_FORMATS = ['packed', 'tpm', 'android-key', 'android-safetynet', 'fido-u2f', 'apple', 'none'] as const;
/** The transports finish-registration keeps (`cable` is the pre-L3 name of `hybrid`). */
export const TRANSPORTS = ['usb', 'nfc', 'ble', 'smart-card', 'hybrid', 'internal', 'cable'] as const;
export const ATTACHMENTS = ['platform', 'cross-platform'] as const;
/**
 * The non-WebAuthn factors that may complete a password sign-in (policy/second-factor-policy.ts).
 * `sms` and `email` (one-time codes) count only where the deployment enables the channel
 * (OOB_CHANNELS) as well; `approval` (another signed-in device approves) only where APPROVAL is on.
 */
export const POLICY_SECOND_FACTORS = ['totp', 'recovery_code', 'sms', 'email', 'approval'] as const;

export type AttestationFormat = (typeof ATTESTATION_FORMATS)[number];
export type Transport = (typeof TRANSPORTS)[number];
export type Attachment = (typeof ATTACHMENTS)[number];
export type PolicySecondFactor = (typeof POLICY_SECOND_FACTORS)[number];

/** One role's policy, every field resolved (defaults filled). Frozen. */
export interface RolePolicy {
  /** The role this policy is for (`forRole` of an unknown role answers the `user` policy, whose role is `user`). */
  readonly role: string;
  /** Statement formats accepted at registration (`none` included only if listed); `any`: all. */
  readonly attestationFormats: readonly AttestationFormat[] | 'any';
  /** The attestation must chain to a trusted root (AttestationVerdict.trusted; `source: 'dev'` only with devAuthenticators). */
  readonly trustRequired: boolean;
  /** Only these models (lower-case AAGUIDs); meaningful only with trusted attestation, since the AAGUID is otherwise just a claim. */
  readonly aaguidAllow: readonly string[] | 'any';
  /** Never these models (lower-case AAGUIDs). */
  readonly aaguidDeny: readonly string[];
  /** `required`: registration and every assertion must carry the UV flag, and the ceremonies ask for it. */
  readonly userVerification: 'required' | 'preferred';
  /** Whether backup-eligible (syncable) credentials are accepted. */
  readonly syncedAllowed: boolean;
  /** Authenticator attachment as the client reported it at registration; `any`: not checked. */
  readonly attachments: readonly Attachment[] | 'any';
  /** Every transport the client reported must be listed; `any`: not checked. */
  readonly transports: readonly Transport[] | 'any';
  /** Which non-WebAuthn second factors may complete a password sign-in. */
  readonly secondFactors: readonly PolicySecondFactor[];
  /** Refuse models whose MDS3 status is refused (REVOKED, *_COMPROMISE, USER_VERIFICATION_BYPASS). */
  readonly refuseMdsStatus: boolean;
  /** Chrome's virtual authenticator counts as trusted (never in production). */
  readonly devAuthenticators: boolean;
  /** The assurance level a session of this role must reach for the role's privileged endpoints (the admin API for `admin`). */
  readonly requiredAcr: Acr;
}

export interface RolePolicies {
  /** `built-in`, `dev`, or the file's path. */
  readonly source: string;
  readonly roles: Readonly<Record<string, RolePolicy>>;
  /** Some role accepts Chrome's virtual authenticator: the trust service must recognise its certificate, and start-up must log it loudly. */
  readonly devAuthenticators: boolean;
  /** Whether the file (or the built-ins) define `role` (absent = `user`, which always exists). */
  knows(role: string | undefined): boolean;
  /**
   * The policy for a user's role (absent = `user`). A role nobody defined is a misconfiguration
   * only visible at run time: it gets the `user` policy (never more than a user may do); the
   * caller should log it (`!knows(role)`).
   */
  forRole(role: string | undefined): RolePolicy;
}

type RoleFields = Omit<RolePolicy, 'role'>;

const USER_DEFAULT: RoleFields = {
  attestationFormats: 'any',
  trustRequired: false,
  aaguidAllow: 'any',
  aaguidDeny: [],
  userVerification: 'preferred',
  syncedAllowed: true,
  attachments: 'any',
  transports: 'any',
  // SMS and email codes count only where OOB_CHANNELS enables the channel, approval only with APPROVAL (second-factor-policy.ts).
  secondFactors: ['approval', 'email', 'recovery_code', 'sms', 'totp'],
  refuseMdsStatus: true,
  devAuthenticators: false,
  requiredAcr: ACR.singleFactor,
};

const ADMIN_DEFAULT: RoleFields = {
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
};

/** What start-up logs (loudly, as a warning) whenever `devAuthenticators` is set. */
export const DEV_POLICY_WARNING =
  "POLICY: Chrome's virtual authenticator is accepted as a trusted security key (devAuthenticators). Development only: never use this policy with real accounts.";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const oneOf = (values: readonly string[]) => `must be one of ${values.join(', ')}`;
const bool = z.boolean({ error: 'must be true or false' });
const aaguid = z.string({ error: 'must be a UUID' }).regex(UUID, 'must be a UUID').transform((s) => s.toLowerCase());
const list = <T extends z.ZodType<string>>(item: T) => z.array(item, { error: 'must be a list' });
const listOrAny = <T extends z.ZodType<string>>(item: T) =>
  z.union([z.literal('any'), list(item).min(1, 'must not be empty (omit it for the role default, or say "any")')]);
const enumOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: oneOf(values) });

const roleSchema = z
  .strictObject({
    attestationFormats: listOrAny(enumOf(ATTESTATION_FORMATS)),
    trustRequired: bool,
    aaguidAllow: listOrAny(aaguid),
    aaguidDeny: list(aaguid),
    userVerification: enumOf(['required', 'preferred']),
    syncedAllowed: bool,
    attachments: listOrAny(enumOf(ATTACHMENTS)),
    transports: listOrAny(enumOf(TRANSPORTS)),
    secondFactors: list(enumOf(POLICY_SECOND_FACTORS)),
    refuseMdsStatus: bool,
    devAuthenticators: bool,
    requiredAcr: enumOf(Object.values(ACR) as [Acr, ...Acr[]]),
  }, { error: 'must be an object of rules' })
  .partial();

const fileSchema = z.strictObject({
  roles: z.record(z.string().regex(ROLE_NAME, 'role names are 1 to 32 of a-z, 0-9, _ and -, starting with a letter'), roleSchema, { error: 'must be an object of role names' }),
});

/**
 * The policies POLICY_FILE names: unset → the built-in defaults; `dev` → the built-in
 * development policy (the defaults, with Chrome's virtual authenticator accepted as trusted
 * for every role); otherwise a JSON file read with `opts.readFile` (default: readFileSync).
 *
 * Throws `TypeError` (misconfiguration, start-up stops) with one line naming the file and the
 * JSON path of the first bad rule, e.g.
 * `POLICY_FILE /etc/x.json: roles.admin.aaguidAllow[1]: must be a UUID`. Also refused: an
 * AAGUID both allowed and denied, a role that requires trust but accepts only `none`, and in
 * production (`opts.nodeEnv`) `dev` or any role with `devAuthenticators`.
 */
export function loadRolePolicies(value: string | undefined, opts: { nodeEnv: string; readFile?: (path: string) => string }): RolePolicies {
  const production = opts.nodeEnv === 'production';
  if (value === undefined) return build('built-in', {});
  if (value === 'dev') {
    if (production) throw new TypeError('POLICY_FILE dev (the development policy, which trusts Chrome\'s virtual authenticator) is refused in production');
    return build('dev', { user: { devAuthenticators: true }, admin: { devAuthenticators: true } });
  }
  const fail = (where: string, problem: string): never => {
    throw new TypeError(`POLICY_FILE ${value}: ${where ? `${where}: ` : ''}${problem}`);
  };
  let text: string;
  try {
    text = (opts.readFile ?? ((p) => readFileSync(p, 'utf8')))(value);
  } catch (err) {
    return fail('', `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('', `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issue = innermost(parsed.error.issues[0]!);
    return fail(jsonPath(issue.path), describe(issue));
  }
  for (const [role, fields] of Object.entries(parsed.data.roles)) {
    const allow = Array.isArray(fields.aaguidAllow) ? fields.aaguidAllow : [];
    for (const [i, id] of (fields.aaguidDeny ?? []).entries()) {
      if (allow.includes(id)) fail(`roles.${role}.aaguidDeny[${i}]`, `${id} is also in aaguidAllow`);
    }
    const resolved = { ...(role === 'admin' ? ADMIN_DEFAULT : USER_DEFAULT), ...fields };
    const formats = resolved.attestationFormats;
    if (resolved.trustRequired && formats !== 'any' && formats.every((f) => f === 'none')) {
      fail(`roles.${role}.trustRequired`, 'is true but attestationFormats allows only "none", which is never trusted: nothing could register');
    }
    if (production && fields.devAuthenticators) {
      fail(`roles.${role}.devAuthenticators`, 'Chrome\'s virtual authenticator is refused in production');
    }
  }
  return build(value, parsed.data.roles);
}

function build(source: string, given: Record<string, Partial<RoleFields>>): RolePolicies {
  const roles: Record<string, RolePolicy> = {};
  for (const role of new Set(['user', 'admin', ...Object.keys(given)])) {
    roles[role] = freezePolicy(role, { ...(role === 'admin' ? ADMIN_DEFAULT : USER_DEFAULT), ...given[role] });
  }
  Object.freeze(roles);
  const knows = (role: string | undefined) => Object.hasOwn(roles, role ?? 'user');
  return Object.freeze({
    source,
    roles,
    devAuthenticators: Object.values(roles).some((p) => p.devAuthenticators),
    knows,
    forRole: (role: string | undefined) => (knows(role) ? roles[role ?? 'user']! : roles.user!),
  });
}

/** Lists become sorted sets (order never matters to a rule). */
function freezePolicy(role: string, f: RoleFields): RolePolicy {
  const set = <T extends string>(v: readonly T[]): readonly T[] => Object.freeze([...new Set(v)].sort());
  const setOrAny = <T extends string>(v: readonly T[] | 'any'): readonly T[] | 'any' => (v === 'any' ? 'any' : set(v));
  return Object.freeze({
    role,
    attestationFormats: setOrAny(f.attestationFormats),
    trustRequired: f.trustRequired,
    aaguidAllow: setOrAny(f.aaguidAllow),
    aaguidDeny: set(f.aaguidDeny),
    userVerification: f.userVerification,
    syncedAllowed: f.syncedAllowed,
    attachments: setOrAny(f.attachments),
    transports: setOrAny(f.transports),
    secondFactors: set(f.secondFactors),
    refuseMdsStatus: f.refuseMdsStatus,
    devAuthenticators: f.devAuthenticators,
    requiredAcr: f.requiredAcr,
  });
}

function jsonPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** The issue to report: for `"any"`-or-list, the list branch's own issue when the value was a list. */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const inList = issue.errors.flat().find((e) => e.path.length > 0 || e.code === 'too_small');
  return inList ? { ...innermost(inList), path: [...issue.path, ...inList.path] } : { ...issue, message: 'must be "any" or a non-empty list' };
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
  if (issue.code === 'invalid_key') return issue.issues[0]?.message ?? 'is not a valid role name';
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'must be a JSON object with "roles"';
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}
