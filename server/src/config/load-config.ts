import { randomBytes } from 'node:crypto';
import { deliveryConfigProblem } from './delivery-config-problem.js';
import { oobConfigProblem } from './oob-keys.js';
import { approvalConfigProblem } from './approval-keys.js';
import { relatedOriginsProblem } from './related-origins-problem.js';
import { configKeys, type Config, type ConfigKey, type DataKey } from './config-schema.js';

/**
 * Validates the environment against the schema once and returns a frozen `Config`.
 *
 * Throws `TypeError` with one line naming the first bad key and what is wrong with it, e.g.
 * `PORT must be an integer (got "abc")` (a secret's value is never echoed, only its length);
 * `main.ts` prints it and exits. This is the only module that reads environment variables
 * (`process.env` unless the caller passes another map).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(configKeys) as [string, ConfigKey<unknown>][]) {
    const raw = env[key.env];
    const given = raw === undefined || raw === '' ? undefined : raw;
    const value = given ?? (typeof key.default === 'function' ? key.default(env) : key.default);
    const parsed = key.schema.safeParse(value);
    if (!parsed.success) {
      const why = parsed.error.issues[0]?.message ?? 'is invalid';
      const got = key.secret && typeof value === 'string' ? `${value.length} characters` : JSON.stringify(value ?? null);
      throw new TypeError(`${key.env} ${why} (got ${got})`);
    }
    out[name] = parsed.data;
  }
  const config = out as Omit<Config, 'acceptedOrigins' | 'sessionSecretGenerated' | 'httpsOnly' | 'developerDetail' | 'generatedSecrets' | 'dataKeys' | 'hmacSecret' | 'sessionSecret'> & {
    sessionSecret?: string;
    dataKeys?: DataKey[];
    hmacSecret?: string;
  };

  for (const o of config.rpOrigins) {
    const host = new URL(o).hostname;
    if (host !== config.rpId && !host.endsWith(`.${config.rpId}`)) {
      throw new TypeError(`RP_ORIGINS origin ${o} is not on RP_ID ${config.rpId} or a subdomain of it`);
    }
    if (config.nodeEnv === 'production' && new URL(o).protocol !== 'https:' && host !== 'localhost') {
      throw new TypeError(`RP_ORIGINS origin ${o} must use https in production`);
    }
  }
  const relatedProblem = relatedOriginsProblem(config);
  if (relatedProblem) throw new TypeError(relatedProblem);
  if (config.bootstrapAdmin !== undefined && config.nodeEnv === 'production') {
    throw new TypeError('BOOTSTRAP_ADMIN is refused in production (it writes a registration link to the log): run `npm run create-admin -- <username>` instead');
  }
  if (config.bootstrapAdmin !== undefined && config.workers > 1) {
    throw new TypeError('BOOTSTRAP_ADMIN needs WORKERS=1 (each worker would issue its own link, replacing the others): run `npm run create-admin -- <username>` instead');
  }
  if (config.nodeEnv === 'production' && !config.mongodbUri) {
    throw new TypeError('MONGODB_URI is required in production (the memory store loses every credential on restart)');
  }
  if (config.workers > 1 && !config.mongodbUri) {
    throw new TypeError(`WORKERS must be 1 with the memory store (got ${config.workers}): its ceremonies, sessions and credentials live in each process, so a sign-in started on one worker could not finish on another; set MONGODB_URI to run several workers`);
  }
  if (config.nodeEnv === 'production' && !config.sessionSecret) {
    throw new TypeError('SESSION_SECRET is required in production (32+ random characters)');
  }
  if (config.nodeEnv === 'production' && !config.dataKeys) {
    throw new TypeError('DATA_KEYS is required in production (kid:base64key; TOTP secrets are encrypted with it, e.g. k1:$(openssl rand -base64 32))');
  }
  if (config.mongodbUri && !config.dataKeys) {
    throw new TypeError('DATA_KEYS is required with MONGODB_URI: TOTP secrets and signing keys stored in MongoDB outlive this process, so a generated key would lose them at the next restart');
  }
  if (config.mongodbUri && !config.hmacSecret) {
    throw new TypeError('HMAC_SECRET is required with MONGODB_URI: recovery codes stored in MongoDB would stop working at the next restart');
  }
  if (config.nodeEnv === 'production' && !config.hmacSecret) {
    throw new TypeError('HMAC_SECRET is required in production (32+ random characters; recovery codes are hashed with it)');
  }
  if (config.nodeEnv === 'production' && !config.tokenIssuer.startsWith('https:')) {
    throw new TypeError(`TOKEN_ISSUER must be an https URL in production (got ${JSON.stringify(config.tokenIssuer)})`);
  }
  if (config.jwksMaxAgeSeconds >= config.tokenKeyLeadSeconds) {
    throw new TypeError(`JWKS_MAX_AGE_SECONDS must be below TOKEN_KEY_LEAD_SECONDS (got ${config.jwksMaxAgeSeconds} >= ${config.tokenKeyLeadSeconds}): a cached JWKS would miss the next key`);
  }
  if (config.lockoutMaxSeconds < config.lockoutBaseSeconds) {
    throw new TypeError(`LOCKOUT_MAX_SECONDS must be at least LOCKOUT_BASE_SECONDS (got ${config.lockoutMaxSeconds} < ${config.lockoutBaseSeconds})`);
  }
  if (config.nodeEnv === 'production' && config.metricsToken !== undefined && config.metricsToken.length < 32) {
    throw new TypeError(`METRICS_TOKEN must be at least 32 characters in production (got ${config.metricsToken.length}; e.g. openssl rand -base64 32)`);
  }
  if (config.metricsPort !== undefined && config.metricsPort === config.port) {
    throw new TypeError(`METRICS_PORT must differ from PORT (got ${config.metricsPort} for both)`);
  }
  const deliveryProblem = deliveryConfigProblem(config);
  if (deliveryProblem) throw new TypeError(deliveryProblem);
  const oobProblem = oobConfigProblem(config);
  if (oobProblem) throw new TypeError(oobProblem);
  const approvalProblem = approvalConfigProblem(config);
  if (approvalProblem) throw new TypeError(approvalProblem);
  // Every origin keygate answers ceremonies for; a related origin is served by keygate too (README, "Related origins").
  const acceptedOrigins = [...new Set([...config.rpOrigins, ...config.relatedOrigins])];
  const httpsOnly = acceptedOrigins.every((o) => o.startsWith('https:'));
  // A deployment that looks like production (https origins or MongoDB) but does not say
  // NODE_ENV gets production's replies: no developer `detail` or `debug` unless NODE_ENV
  // explicitly says development or test.
  const nodeEnvGiven = env.NODE_ENV !== undefined && env.NODE_ENV !== '';
  const developerDetail = config.nodeEnv !== 'production' && (nodeEnvGiven || !(httpsOnly || config.mongodbUri));
  const sessionSecretGenerated = !config.sessionSecret;
  const generatedSecrets = [
    ...(config.sessionSecret ? [] : ['SESSION_SECRET']),
    ...(config.dataKeys ? [] : ['DATA_KEYS']),
    ...(config.hmacSecret ? [] : ['HMAC_SECRET']),
  ];
  return Object.freeze({
    ...config,
    rpOrigins: Object.freeze([...config.rpOrigins]) as unknown as string[],
    relatedOrigins: Object.freeze([...config.relatedOrigins]) as unknown as string[],
    acceptedOrigins: Object.freeze(acceptedOrigins) as unknown as string[],
    tokenAudiences: Object.freeze([...config.tokenAudiences]) as unknown as string[],
    sessionSecret: config.sessionSecret ?? randomBytes(32).toString('base64url'),
    dataKeys: Object.freeze(config.dataKeys ?? [{ kid: 'dev', key: randomBytes(32) }]),
    hmacSecret: config.hmacSecret ?? randomBytes(32).toString('base64url'),
    generatedSecrets: Object.freeze(generatedSecrets),
    sessionSecretGenerated,
    httpsOnly,
    developerDetail,
  });
}
