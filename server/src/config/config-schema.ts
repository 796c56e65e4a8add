import { z } from 'zod';
import { bool, count, dataKeys, origin, port, seconds, type ConfigKey } from './config-values.js';
import { deliveryKeys } from './delivery-keys.js';
import { trustKeys } from './trust-keys.js';
import { oobKeys } from './oob-keys.js';
import { approvalKeys } from './approval-keys.js';
import { trustProxyProblem } from './trust-proxy-rules.js';

export type { ConfigKey } from './config-values.js';

/**
 * keygate's one configuration schema: every key, in the order of the README's configuration
 * table (value schemas in config-values.ts, TRUST_PROXY's rules in trust-proxy-rules.ts, the
 * delivery keys in delivery-keys.ts). `loadConfig` validates them all once at start-up.
 */
export const configKeys = {
  nodeEnv: {
    env: 'NODE_ENV',
    doc: '`production` refuses the memory store, requires SESSION_SECRET and hides developer error detail. Unset with https origins or MONGODB_URI: detail is hidden as in production (set `development` or `test` to see it).',
    default: 'development',
    schema: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }),
  },
  port: { env: 'PORT', doc: 'HTTP port to listen on.', default: '3000', schema: port },
  workers: {
    env: 'WORKERS',
    doc: 'Processes serving PORT on this machine (node:cluster: a primary forks this many workers, re-forks one that exits, and on SIGTERM shuts them all down gracefully). Above 1 it needs MONGODB_URI: the memory store keeps its state in each process.',
    default: '1',
    schema: count(1).max(256, 'must be at most 256'),
  },
  host: {
    env: 'HOST',
    doc: 'Address to listen on; unset listens on every interface.',
    schema: z.string().min(1).optional(),
  },
  rpId: {
    env: 'RP_ID',
    doc: 'WebAuthn relying-party ID: the registrable domain credentials are scoped to (no scheme, no port).',
    default: 'localhost',
    schema: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a lower-case domain name such as example.com (no scheme, port or path)')
      .refine((s) => !/^[\d.]+$/.test(s), 'must be a domain name: browsers refuse IP addresses as RP IDs (use localhost for development)'),
  },
  rpName: { env: 'RP_NAME', doc: 'Name authenticators show for this relying party.', default: 'keygate', schema: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters') },
  rpOrigins: {
    env: 'RP_ORIGINS',
    doc: 'Comma-separated origins allowed in clientDataJSON.origin; each must be the RP ID or a subdomain of it.',
    default: (env) => `http://localhost:${env.PORT || '3000'}`,
    schema: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(origin).min(1, 'must list at least one origin')),
  },
  relatedOrigins: {
    env: 'RELATED_ORIGINS',
    doc: 'Comma-separated origins outside RP_ID\'s domain that may also run the ceremonies for RP_ID (WebAuthn Level 3 related origins, e.g. an admin portal at https://admin.example-corp.net): accepted in clientDataJSON.origin and by the API\'s Origin check, and listed in GET /.well-known/webauthn. https only (http://localhost outside production); at most 5 distinct registrable-domain labels (browsers ignore the rest). keygate itself must serve each of them. Empty: none, and /.well-known/webauthn is 404.',
    default: '',
    schema: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(origin)),
  },
  mongodbUri: {
    env: 'MONGODB_URI',
    secret: true,
    doc: 'MongoDB connection string. Unset: the embedded memory store (data lost on restart; refused in production).',
    schema: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://').optional(),
  },
  mongodbTimeoutMs: {
    env: 'MONGODB_TIMEOUT_MS',
    doc: 'Bound (ms) on each phase of every MongoDB operation: server selection, connect, pool wait, the reply, the write concern. Past it a request answers 503 store_unavailable instead of hanging.',
    default: '5000',
    schema: count(100).max(60_000, 'must be at most 60000'),
  },
  mongodbDb: { env: 'MONGODB_DB', doc: 'MongoDB database name.', default: 'keygate', schema: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1-63 letters, digits, _ or -') },
  sessionSecret: {
    env: 'SESSION_SECRET',
    secret: true,
    doc: 'Secret (32+ characters) that signs session cookies. Generated with a warning in development; required in production.',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
  },
  sessionTtlSeconds: { env: 'SESSION_TTL_SECONDS', doc: 'Lifetime of a signed-in session.', default: '43200', schema: seconds },
  stepUpMaxAgeSeconds: {
    env: 'STEP_UP_MAX_AGE_SECONDS',
    doc: 'Adding or removing a security key needs a sign-in at most this old, and so does every /admin/ call (403 step_up_required otherwise: sign in again).',
    default: '300',
    schema: seconds,
  },
  passwordLogin: {
    env: 'PASSWORD_LOGIN',
    doc: 'Offer a password as an optional first factor (POST /login/password, /signup/password); a password alone never signs in.',
    default: 'false',
    schema: bool,
  },
  userVerification: {
    env: 'USER_VERIFICATION',
    doc: '`policy`: keygate decides user verification (a passwordless sign-in and a passwordless account\'s keys require UV; a request may ask for more, never less). `client`: the FIDO2 conformance profile, where the request body chooses (only for conformance testing).',
    default: 'policy',
    schema: z.enum(['policy', 'client'], { message: 'must be policy or client' }),
  },
  enumerationProtection: {
    env: 'ENUMERATION_PROTECTION',
    doc: '`true`: /assertion/options and /login/password answer an unknown username exactly like a known one. `false` restores 404 unknown_user (FIDO2 conformance tools expect it).',
    default: 'true',
    schema: bool,
  },
  lockoutThreshold: {
    env: 'LOCKOUT_THRESHOLD',
    doc: 'Failed password, TOTP and recovery-code attempts per account before 429 locked_out (the delay doubles with each lockout).',
    default: '5',
    schema: count(1),
  },
  lockoutIpThreshold: {
    env: 'LOCKOUT_IP_THRESHOLD',
    doc: 'Failed password, TOTP and recovery-code attempts per client IP (IPv6: per /64) before that IP is locked out; high, so one office behind a NAT is not locked out by a few typos.',
    default: '100',
    schema: count(1),
  },
  lockoutBaseSeconds: { env: 'LOCKOUT_BASE_SECONDS', doc: 'Length of the first lockout; each further one doubles it.', default: '60', schema: seconds },
  lockoutMaxSeconds: { env: 'LOCKOUT_MAX_SECONDS', doc: 'Longest lockout.', default: '3600', schema: seconds },
  signInAttemptTtlSeconds: {
    env: 'SIGN_IN_ATTEMPT_TTL_SECONDS',
    doc: 'How long a half sign-in (a correct password waiting for its second factor) stays open.',
    default: '300',
    schema: seconds.max(3600, 'must be at most 3600'),
  },
  dataKeys: {
    env: 'DATA_KEYS',
    secret: true,
    doc: 'Keys that encrypt secrets at rest (TOTP secrets), AES-256-GCM: `kid:base64key,...`, 32-byte keys; the first encrypts, all decrypt (rotate by putting a new key first). Generated with a warning in development; required in production.',
    schema: dataKeys.optional(),
  },
  hmacSecret: {
    env: 'HMAC_SECRET',
    secret: true,
    doc: 'Secret (32+ characters) keying recovery-code hashes and the decoy credentials shown for unknown usernames. Changing it invalidates every recovery code. Generated with a warning in development; required in production.',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
  },
  tokenIssuer: {
    env: 'TOKEN_ISSUER',
    doc: 'The `iss` of keygate\'s JWTs and the base of its discovery document (an https URL in production). Default: the first RP origin.',
    default: (env) => (env.RP_ORIGINS || `http://localhost:${env.PORT || '3000'}`).split(',')[0]!.trim(),
    schema: origin,
  },
  tokenAudiences: {
    env: 'TOKEN_AUDIENCES',
    doc: 'Comma-separated audiences POST /token may issue for (e.g. https://deploy.example.com); anything else is 400 invalid_audience. Empty: no tokens.',
    default: '',
    schema: z
      .string()
      .transform((s) => s.split(',').map((a) => a.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be a list of audiences without spaces (1-256 printable ASCII characters each)'))),
  },
  tokenTtlSeconds: { env: 'TOKEN_TTL_SECONDS', doc: 'Lifetime of an issued JWT (`exp` - `iat`).', default: '300', schema: seconds.max(86400, 'must be at most 86400') },
  tokenMaxAuthAgeSeconds: {
    env: 'TOKEN_MAX_AUTH_AGE_SECONDS',
    doc: 'POST /token needs a sign-in at most this old (403 sign_in_too_old otherwise: sign in again).',
    default: '120',
    schema: seconds,
  },
  tokenSigningAlg: {
    env: 'TOKEN_SIGNING_ALG',
    doc: 'Algorithm of new signing keys: ES256, EdDSA (Ed25519) or RS256 (2048-bit).',
    default: 'ES256',
    schema: z.enum(['ES256', 'EdDSA', 'RS256'], { message: 'must be ES256, EdDSA or RS256' }),
  },
  tokenKeyLeadSeconds: {
    env: 'TOKEN_KEY_LEAD_SECONDS',
    doc: 'A new signing key is published this long before it signs, so verifiers\' JWKS caches (jose: 10 minutes) know it first. At least 600.',
    default: '900',
    schema: seconds.min(600, 'must be at least 600 (verifiers cache JWKS for up to 10 minutes)'),
  },
  tokenKeyRotationDays: {
    env: 'TOKEN_KEY_ROTATION_DAYS',
    doc: 'Rotate the signing key when it has signed this many days (checked as tokens are issued); 0 rotates only on demand (npm run rotate-keys).',
    default: '90',
    schema: z.coerce.number().int('must be an integer').min(0, 'must be 0 or more'),
  },
  jwksMaxAgeSeconds: { env: 'JWKS_MAX_AGE_SECONDS', doc: 'Cache-Control max-age of /.well-known/jwks.json and the discovery document (keep it below TOKEN_KEY_LEAD_SECONDS).', default: '300', schema: seconds },
  introspectionClientId: {
    env: 'INTROSPECTION_CLIENT_ID',
    doc: 'Client id that authenticates (HTTP Basic) to POST /token/introspect and to revoke any token.',
    default: 'keygate-introspection',
    schema: z.string().regex(/^[\x21-\x39\x3b-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces or colons'),
  },
  introspectionClientSecret: {
    env: 'INTROSPECTION_CLIENT_SECRET',
    secret: true,
    doc: 'Its secret (32+ characters). Unset: introspection and secret-authenticated revocation are off (401 invalid_client).',
    schema: z.string().min(32, 'must be at least 32 characters').optional(),
  },
  challengeTtlSeconds: { env: 'CHALLENGE_TTL_SECONDS', doc: 'How long a ceremony challenge stays valid (also the WebAuthn `timeout`).', default: '300', schema: seconds.max(3600, 'must be at most 3600') },
  rateLimitPerMinute: {
    env: 'RATE_LIMIT_PER_MINUTE',
    doc: 'Ceremony requests (POST /attestation/*, /assertion/*) allowed per client IP per minute; 0 turns the limit off. Behind a proxy set TRUST_PROXY, or every client shares one IP.',
    default: '120',
    schema: z.coerce.number().int('must be an integer').min(0, 'must be 0 or more'),
  },
  bodyLimit: { env: 'BODY_LIMIT', doc: 'Largest accepted JSON body (bytes, or a size such as 64kb).', default: '64kb', schema: z.string().regex(/^\d+(b|kb|mb)?$/i, 'must be a size such as 65536 or 64kb') },
  trustProxy: {
    env: 'TRUST_PROXY',
    doc: 'Which proxies may set X-Forwarded-For: `false` (none), a hop count such as `1`, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal), each on a loopback, private (10/8, 172.16/12, 192.168/16), shared (100.64/10), link-local or unique-local address: public or broader ranges are refused. Decides the client IP used by the rate limit, lockouts and the audit log; with `false`, X-Forwarded-For is ignored (and logged once).',
    default: 'false',
    schema: z.string().superRefine((v, ctx) => {
      if (v === 'true') ctx.addIssue({ code: 'custom', message: "must be false, a hop count from 1 to 10, or proxy addresses/CIDRs (not 'true': that would let any client choose its own IP)" });
      else {
        const why = trustProxyProblem(v);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      }
    }),
  },
  metricsToken: {
    env: 'METRICS_TOKEN',
    secret: true,
    doc: 'Bearer token that GET /metrics requires (Authorization: Bearer <token>, compared in constant time); 32+ characters in production. Unset (and no METRICS_PORT): /metrics is not served.',
    schema: z.string().regex(/^[\x21-\x7e]{1,256}$/, 'must be 1-256 printable ASCII characters without spaces').optional(),
  },
  metricsPort: {
    env: 'METRICS_PORT',
    doc: 'Serve GET /metrics on this separate port (and only there), on HOST; still token-guarded when METRICS_TOKEN is set. Unset: /metrics is on PORT when METRICS_TOKEN is set, otherwise not served.',
    schema: port.optional(),
  },
  allowRs1: {
    env: 'ALLOW_RS1',
    doc: 'Offer and accept RS1 (RSA with SHA-1, COSE -65535) for new credentials: only legacy Windows Hello TPMs need it. Keys registered with it keep working either way.',
    default: 'false',
    schema: bool,
  },
  auditRetentionDays: {
    env: 'AUDIT_RETENTION_DAYS',
    doc: 'How long audit events are kept (days): reads skip older ones, and on MongoDB a TTL index deletes them.',
    default: '400',
    schema: count(1).max(3650, 'must be at most 3650'),
  },
  ...deliveryKeys,
  ...trustKeys,
  ...oobKeys,
  ...approvalKeys,
  logLevel: { env: 'LOG_LEVEL', doc: 'pino log level (fatal, error, warn, info, debug, trace, silent).', default: 'info', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be a pino level' }) },
} satisfies Record<string, ConfigKey<unknown>>;

type Keys = typeof configKeys;

/** One data-encryption key: its id (stored with every ciphertext) and 32 key bytes. */
export interface DataKey {
  kid: string;
  key: Buffer;
}

/** The validated, frozen configuration passed down from `main.ts`. */
export type Config = { readonly [K in Exclude<keyof Keys, 'sessionSecret' | 'dataKeys' | 'hmacSecret'>]: Keys[K] extends ConfigKey<infer T> ? T : never } & {
  /** SESSION_SECRET, or one generated for this process. */
  readonly sessionSecret: string;
  /** DATA_KEYS, or one key generated for this process; the first encrypts. */
  readonly dataKeys: readonly DataKey[];
  /** HMAC_SECRET, or one generated for this process. */
  readonly hmacSecret: string;
  /** The secrets that were not given and were generated for this process (development only). */
  readonly generatedSecrets: readonly string[];
  /** true when SESSION_SECRET was not given and one was generated for this process. */
  readonly sessionSecretGenerated: boolean;
  /** RP_ORIGINS then RELATED_ORIGINS: what clientDataJSON.origin and the API's Origin check accept. */
  readonly acceptedOrigins: string[];
  /** true when every accepted origin (RP_ORIGINS and RELATED_ORIGINS) is https: cookies are Secure and `__Host-`, HSTS is sent. */
  readonly httpsOnly: boolean;
  /**
   * Whether replies carry developer `detail` (errors) and `debug` (ceremonies): outside
   * production, and, when NODE_ENV is not set at all, only if nothing looks like production
   * (no https-only origins, no MONGODB_URI).
   */
  readonly developerDetail: boolean;
};
