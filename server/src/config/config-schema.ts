import { BlockList, isIP } from 'node:net';
import proxyaddr from 'proxy-addr';
import { z } from 'zod';

/**
 * Where a trusted proxy may sit: loopback, private (RFC 1918), shared (RFC 6598, cloud load
 * balancers), link-local and IPv6 unique-local/link-local ranges. A TRUST_PROXY entry must lie
 * inside one of them (a range no broader than its block), so that no public address, and no
 * catch-all such as `0.0.0.0/1,128.0.0.0/1`, can set X-Forwarded-For.
 */
const PROXY_BLOCKS: readonly [net: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'],
];

/** Why a TRUST_PROXY list entry is refused, or undefined when it is a private address or range. */
export function untrustworthyProxy(entry: string): string | undefined {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return undefined;
  const [addr, bits, ...rest] = entry.split('/');
  const family = isIP(addr ?? '');
  if (rest.length > 0 || family === 0) return `${entry} is not an address, a CIDR range or loopback/linklocal/uniquelocal`;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `${entry} has an invalid prefix length`;
  const inside = PROXY_BLOCKS.some(([net, p, f]) => {
    if (f !== (family === 4 ? 'ipv4' : 'ipv6') || prefix < p) return false;
    const block = new BlockList();
    block.addSubnet(net, p, f);
    return block.check(addr!, f);
  });
  return inside ? undefined : `${entry} is a public or too broad range (proxies are trusted only on loopback, private, shared, link-local or unique-local addresses)`;
}

/** TRUST_PROXY: `false`, 1-10 hops, or a list of private proxy addresses/ranges (what proxy-addr compiles). */
function trustProxyProblem(v: string): string | undefined {
  if (v === 'false') return undefined;
  if (/^\d+$/.test(v)) return Number(v) >= 1 && Number(v) <= 10 ? undefined : 'must be a hop count from 1 to 10';
  const entries = v.split(',').map((e) => e.trim());
  for (const e of entries) {
    const why = untrustworthyProxy(e);
    if (why) return `refuses ${why}`;
  }
  try {
    proxyaddr.compile(entries);
    return undefined;
  } catch (err) {
    return `cannot be compiled: ${(err as Error).message}`;
  }
}

/**
 * keygate's one configuration schema. Each key names its environment variable, says what it
 * is for, and gives its default; `loadConfig` validates them all once at start-up.
 * The README's configuration table mirrors this list.
 */
export interface ConfigKey<T> {
  env: string;
  doc: string;
  /** Default as the environment would spell it; `undefined` means "unset". */
  default?: string | ((env: Record<string, string | undefined>) => string | undefined);
  schema: z.ZodType<T>;
  /** A secret (or a value that may embed one, like a connection string): errors never echo it. */
  secret?: true;
}

const bool = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');
const count = (min: number) => z.coerce.number().int('must be an integer').min(min, `must be at least ${min}`);
/** DATA_KEYS: `kid:base64key[,kid:base64key...]`, each key 32 bytes (AES-256); ids unique. */
const dataKeys = z
  .string()
  .transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_=-]+$/, 'must be a list of kid:base64key entries (kid: 1-32 letters, digits, _ or -)')
          .transform((e) => {
            const i = e.indexOf(':');
            // Node's base64 decoder reads both the standard and the url-safe alphabet.
            return { kid: e.slice(0, i), key: Buffer.from(e.slice(i + 1), 'base64') };
          })
          .refine((k) => k.key.length === 32, 'must hold 32-byte keys (openssl rand -base64 32)'),
      )
      .min(1, 'must list at least one key')
      .refine((ks) => new Set(ks.map((k) => k.kid)).size === ks.length, 'must not repeat a key id'),
  );

const port = z.coerce.number().int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
const seconds = z.coerce.number().int('must be an integer').min(1, 'must be at least 1');
const origin = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be a list of origins like https://login.example.com (scheme://host[:port], no path or trailing slash)');

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
    doc: 'Adding or removing a security key needs a sign-in at most this old (403 step_up_required otherwise: sign in again).',
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
  delivery: {
    env: 'DELIVERY',
    doc: 'How keygate sends messages (one-time codes, approval links): `webhook` (signed JSON POST to DELIVERY_WEBHOOK_URL, e.g. a CPaaS), `smtp` (email through SMTP_URL), `dev` (kept in memory for the demo\'s developer panel; refused in production) or `none` (sending fails: nothing that needs it can be enabled).',
    default: 'none',
    schema: z.enum(['webhook', 'smtp', 'dev', 'none'], { message: 'must be webhook, smtp, dev or none' }),
  },
  deliveryWebhookUrl: {
    env: 'DELIVERY_WEBHOOK_URL',
    // A CPaaS URL may carry an account token in its path or query.
    secret: true,
    doc: 'With DELIVERY=webhook: the endpoint messages are POSTed to (https in production). Redirects are not followed.',
    schema: z
      .string()
      .refine((s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'https:' || u.protocol === 'http:';
        } catch {
          return false;
        }
      }, 'must be an http(s) URL such as https://sms.example.com/keygate')
      .optional(),
  },
  deliveryWebhookSecret: {
    env: 'DELIVERY_WEBHOOK_SECRET',
    secret: true,
    doc: 'With DELIVERY=webhook: the secret (32+ characters) keying the X-Keygate-Signature HMAC-SHA256 the receiver checks (see the README, "Delivering messages").',
    schema: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  },
  deliveryTimeoutMs: {
    env: 'DELIVERY_TIMEOUT_MS',
    doc: 'Bound (ms) on each delivery attempt (webhook request; SMTP connect, greeting and each reply).',
    default: '5000',
    schema: count(100).max(60_000, 'must be at most 60000'),
  },
  deliveryRetries: {
    env: 'DELIVERY_RETRIES',
    doc: 'Retries after a failed attempt that may succeed later (webhook: 5xx, 429, timeout, network error; SMTP: 4xx reply, connection error), with exponential backoff and jitter and the same idempotency key; never after another 4xx (or SMTP 5xx).',
    default: '2',
    schema: z.coerce.number().int('must be an integer').min(0, 'must be 0 or more').max(10, 'must be at most 10'),
  },
  smtpUrl: {
    env: 'SMTP_URL',
    secret: true,
    doc: 'With DELIVERY=smtp: the SMTP server, smtps://user:password@host:465 (implicit TLS) or smtp://user:password@host:587 (STARTTLS when offered; add ?requireTLS=true to insist).',
    schema: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  },
  smtpFrom: {
    env: 'SMTP_FROM',
    doc: 'With DELIVERY=smtp: the From address, e.g. `keygate <no-reply@example.com>`.',
    schema: z
      .string()
      .regex(/^([^<>\r\n]{0,64}<[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/, 'must be an address such as no-reply@example.com or "keygate <no-reply@example.com>"')
      .optional(),
  },
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
