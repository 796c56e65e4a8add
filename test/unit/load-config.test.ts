/**
 * loadConfig: defaults, every key overridable, every bad value refused at start-up with a
 * TypeError whose message starts with the offending environment variable, and a frozen result.
 */
import { describe, expect, it } from '@jest/globals';
import { configKeys } from '../../server/src/config/config-schema.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { openStore } from '../../server/src/storage/open-store.js';

const SECRET = 'a-very-long-session-secret-of-40-chars!!';
const PRODUCTION = {
  NODE_ENV: 'production',
  RP_ID: 'example.com',
  RP_ORIGINS: 'https://example.com',
  MONGODB_URI: 'mongodb://db.internal:27017',
  SESSION_SECRET: SECRET,
  DATA_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
  HMAC_SECRET: 'another-long-secret-for-keyed-hashes-40ch',
};
const KEY_A = Buffer.alloc(32, 1);
const KEY_B = Buffer.alloc(32, 2);

/** The TypeError loadConfig throws for `env` (fails the test if it does not throw). */
function configError(env: Record<string, string | undefined>): TypeError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return err as TypeError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig defaults', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.nodeEnv).toBe('development');
    expect(c.port).toBe(3000);
    expect(c.workers).toBe(1);
    expect(c.host).toBeUndefined();
    expect(c.rpId).toBe('localhost');
    expect(c.rpName).toBe('keygate');
    expect(c.rpOrigins).toEqual(['http://localhost:3000']);
    expect(c.mongodbUri).toBeUndefined();
    expect(c.mongodbDb).toBe('keygate');
    expect(c.sessionTtlSeconds).toBe(43200);
    expect(c.challengeTtlSeconds).toBe(300);
    expect(c.bodyLimit).toBe('64kb');
    expect(c.trustProxy).toBe('false');
    expect(c.logLevel).toBe('info');
  });

  it('derives the default RP_ORIGINS from PORT', () => {
    const c = loadConfig({ PORT: '8443' });
    expect(c.port).toBe(8443);
    expect(c.rpOrigins).toEqual(['http://localhost:8443']);
  });

  it('generates a session secret when none is given, and flags it', () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.sessionSecretGenerated).toBe(true);
    expect(typeof a.sessionSecret).toBe('string');
    expect(a.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(b.sessionSecret).not.toBe(a.sessionSecret);
  });

  it('a given SESSION_SECRET is used and not flagged as generated', () => {
    const c = loadConfig({ SESSION_SECRET: SECRET });
    expect(c.sessionSecret).toBe(SECRET);
    expect(c.sessionSecretGenerated).toBe(false);
  });

  // Regression: the derived origin once used `env.PORT ?? '3000'`, so PORT='' gave "http://localhost:".
  it('treats an empty PORT as unset, also for the derived RP_ORIGINS', () => {
    const c = loadConfig({ PORT: '' });
    expect(c.port).toBe(3000);
    expect(c.rpOrigins).toEqual(['http://localhost:3000']);
  });

  it('opens the memory store when MONGODB_URI is unset', async () => {
    const store = await openStore(loadConfig({}), silentLogger);
    try {
      expect(store.kind).toBe('memory');
    } finally {
      await store.close();
    }
  });

  it('treats an empty variable as unset', () => {
    const c = loadConfig({ RP_ID: '', MONGODB_URI: '', SESSION_SECRET: '', LOG_LEVEL: '' });
    expect(c.rpId).toBe('localhost');
    expect(c.mongodbUri).toBeUndefined();
    expect(c.sessionSecretGenerated).toBe(true);
    expect(c.logLevel).toBe('info');
  });
});

describe('loadConfig overrides', () => {
  // One valid non-default value per key; the last test checks this table covers the schema.
  const overrides: [key: keyof typeof configKeys, env: Record<string, string>, expected: unknown][] = [
    ['nodeEnv', { NODE_ENV: 'test' }, 'test'],
    ['port', { PORT: '8080' }, 8080],
    ['workers', { WORKERS: '4', MONGODB_URI: 'mongodb://127.0.0.1:27017', DATA_KEYS: PRODUCTION.DATA_KEYS, HMAC_SECRET: PRODUCTION.HMAC_SECRET }, 4],
    ['host', { HOST: '127.0.0.1' }, '127.0.0.1'],
    ['rpId', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com' }, 'example.com'],
    ['rpName', { RP_NAME: 'Example Corp' }, 'Example Corp'],
    ['rpOrigins', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com, https://login.example.com:8443' }, ['https://example.com', 'https://login.example.com:8443']],
    ['relatedOrigins', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://admin.example-corp.net, https://example.co.uk:8443' }, ['https://admin.example-corp.net', 'https://example.co.uk:8443']],
    ['mongodbUri', { MONGODB_URI: 'mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true', DATA_KEYS: PRODUCTION.DATA_KEYS, HMAC_SECRET: PRODUCTION.HMAC_SECRET }, 'mongodb+srv://user:pw@cluster0.example.net/?retryWrites=true'],
    ['mongodbDb', { MONGODB_DB: 'keygate_prod-1' }, 'keygate_prod-1'],
    ['sessionSecret', { SESSION_SECRET: SECRET }, SECRET],
    ['sessionTtlSeconds', { SESSION_TTL_SECONDS: '600' }, 600],
    ['challengeTtlSeconds', { CHALLENGE_TTL_SECONDS: '3600' }, 3600],
    ['stepUpMaxAgeSeconds', { STEP_UP_MAX_AGE_SECONDS: '60' }, 60],
    ['rateLimitPerMinute', { RATE_LIMIT_PER_MINUTE: '0' }, 0],
    ['bodyLimit', { BODY_LIMIT: '1mb' }, '1mb'],
    ['trustProxy', { TRUST_PROXY: '1' }, '1'],
    ['logLevel', { LOG_LEVEL: 'debug' }, 'debug'],
    ['passwordLogin', { PASSWORD_LOGIN: 'true' }, true],
    ['userVerification', { USER_VERIFICATION: 'client' }, 'client'],
    ['enumerationProtection', { ENUMERATION_PROTECTION: 'false' }, false],
    ['lockoutThreshold', { LOCKOUT_THRESHOLD: '3' }, 3],
    ['lockoutIpThreshold', { LOCKOUT_IP_THRESHOLD: '500' }, 500],
    ['lockoutBaseSeconds', { LOCKOUT_BASE_SECONDS: '30' }, 30],
    ['lockoutMaxSeconds', { LOCKOUT_MAX_SECONDS: '86400' }, 86400],
    ['signInAttemptTtlSeconds', { SIGN_IN_ATTEMPT_TTL_SECONDS: '120' }, 120],
    // standard base64 and base64url both read; the first key encrypts
    ['dataKeys', { DATA_KEYS: `k2:${KEY_B.toString('base64url')}, k1:${KEY_A.toString('base64')}` }, [{ kid: 'k2', key: KEY_B }, { kid: 'k1', key: KEY_A }]],
    ['hmacSecret', { HMAC_SECRET: SECRET }, SECRET],
    ['tokenIssuer', { TOKEN_ISSUER: 'https://login.example.com' }, 'https://login.example.com'],
    ['tokenAudiences', { TOKEN_AUDIENCES: 'https://deploy.example.com, admin-portal' }, ['https://deploy.example.com', 'admin-portal']],
    ['tokenTtlSeconds', { TOKEN_TTL_SECONDS: '60' }, 60],
    ['tokenMaxAuthAgeSeconds', { TOKEN_MAX_AUTH_AGE_SECONDS: '30' }, 30],
    ['tokenSigningAlg', { TOKEN_SIGNING_ALG: 'EdDSA' }, 'EdDSA'],
    ['tokenKeyLeadSeconds', { TOKEN_KEY_LEAD_SECONDS: '3600' }, 3600],
    ['tokenKeyRotationDays', { TOKEN_KEY_ROTATION_DAYS: '0' }, 0],
    ['jwksMaxAgeSeconds', { JWKS_MAX_AGE_SECONDS: '60' }, 60],
    ['introspectionClientId', { INTROSPECTION_CLIENT_ID: 'api-gateway' }, 'api-gateway'],
    ['introspectionClientSecret', { INTROSPECTION_CLIENT_SECRET: SECRET }, SECRET],
    ['metricsToken', { METRICS_TOKEN: SECRET }, SECRET],
    ['metricsPort', { METRICS_PORT: '9464' }, 9464],
    ['auditRetentionDays', { AUDIT_RETENTION_DAYS: '30' }, 30],
    ['allowRs1', { ALLOW_RS1: 'true' }, true],
    ['mongodbTimeoutMs', { MONGODB_TIMEOUT_MS: '1500' }, 1500],
    ['delivery', { DELIVERY: 'webhook', DELIVERY_WEBHOOK_URL: 'https://sms.example.com/keygate', DELIVERY_WEBHOOK_SECRET: SECRET }, 'webhook'],
    ['deliveryWebhookUrl', { DELIVERY_WEBHOOK_URL: 'https://sms.example.com/keygate?account=a1' }, 'https://sms.example.com/keygate?account=a1'],
    ['deliveryWebhookSecret', { DELIVERY_WEBHOOK_SECRET: SECRET }, SECRET],
    ['deliveryTimeoutMs', { DELIVERY_TIMEOUT_MS: '2500' }, 2500],
    ['deliveryRetries', { DELIVERY_RETRIES: '0' }, 0],
    ['smtpUrl', { SMTP_URL: 'smtps://keygate:pw@mail.example.com:465' }, 'smtps://keygate:pw@mail.example.com:465'],
    ['smtpFrom', { SMTP_FROM: 'keygate <no-reply@example.com>' }, 'keygate <no-reply@example.com>'],
    ['trustAnchors', { TRUST_ANCHORS: 'packed:/etc/k/yubico.pem, fido-u2f:/etc/k/yubico.pem' }, ['packed:/etc/k/yubico.pem', 'fido-u2f:/etc/k/yubico.pem']],
    ['mdsUrl', { MDS_URL: 'https://mds3.fidoalliance.org/' }, 'https://mds3.fidoalliance.org/'],
    ['mdsFile', { MDS_FILE: '/etc/k/blob.jwt' }, '/etc/k/blob.jwt'],
    ['mdsRootCert', { MDS_ROOT_CERT: '/etc/k/root.pem' }, '/etc/k/root.pem'],
    ['mdsCrlFiles', { MDS_CRL_FILES: '/etc/k/a.crl,/etc/k/b.crl' }, ['/etc/k/a.crl', '/etc/k/b.crl']],
    ['mdsPollSeconds', { MDS_POLL_SECONDS: '60' }, 60],
    ['policyFile', { POLICY_FILE: '/etc/k/policy.json' }, '/etc/k/policy.json'],
    ['oobChannels', { OOB_CHANNELS: ' SMS, email,sms ', DELIVERY: 'dev' }, ['email', 'sms']],
    ['oobIpSendsPerHour', { OOB_IP_SENDS_PER_HOUR: '50' }, 50],
    ['approval', { APPROVAL: 'true', PASSWORD_LOGIN: 'true' }, true],
    ['approvalStreamSeconds', { APPROVAL_STREAM_SECONDS: '30' }, 30],
    ['oneTimeLinkTtlSeconds', { ONE_TIME_LINK_TTL_SECONDS: '600' }, 600],
    ['bootstrapAdmin', { BOOTSTRAP_ADMIN: 'root-admin' }, 'root-admin'],
  ];

  it.each(overrides)('%s can be overridden', (key, env, expected) => {
    expect(loadConfig(env)[key]).toEqual(expected);
  });

  it('every key of the schema is covered above', () => {
    expect(new Set(overrides.map(([k]) => k))).toEqual(new Set(Object.keys(configKeys)));
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(PRODUCTION);
    expect(c.nodeEnv).toBe('production');
    expect(c.mongodbUri).toBe('mongodb://db.internal:27017');
    expect(c.sessionSecretGenerated).toBe(false);
    expect(c.generatedSecrets).toEqual([]);
  });

  it('generates DATA_KEYS and HMAC_SECRET outside production, and says so', () => {
    const c = loadConfig({});
    expect(c.generatedSecrets).toEqual(['SESSION_SECRET', 'DATA_KEYS', 'HMAC_SECRET']);
    expect(c.dataKeys[0]!.key).toHaveLength(32);
    expect(c.hmacSecret.length).toBeGreaterThanOrEqual(32);
  });

  it('developer detail: outside production, but not when NODE_ENV is unset and origins are https or MONGODB_URI is set', () => {
    const base = { RP_ID: 'example.com', RP_ORIGINS: 'http://localhost.example.com:3000' };
    const https = { RP_ID: 'example.com', RP_ORIGINS: 'https://login.example.com' };
    const mongo = { ...base, MONGODB_URI: 'mongodb://db.internal:27017', DATA_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`, HMAC_SECRET: 'h'.repeat(40) };
    expect(loadConfig(base).developerDetail).toBe(true);
    expect(loadConfig(https).developerDetail).toBe(false);
    expect(loadConfig(mongo).developerDetail).toBe(false);
    expect(loadConfig({ ...mongo, NODE_ENV: '' }).developerDetail).toBe(false);
    expect(loadConfig({ ...https, NODE_ENV: 'development' }).developerDetail).toBe(true);
    expect(loadConfig({ ...mongo, NODE_ENV: 'test' }).developerDetail).toBe(true);
    expect(loadConfig({ ...PRODUCTION }).developerDetail).toBe(false);
  });

  it('accepts proxy address lists in TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::1' }).trustProxy).toBe('loopback, 10.0.0.0/8,fd00::1');
    for (const ok of ['172.16.0.0/12', '192.168.1.10', '100.64.0.0/10', '169.254.1.1/32', '10.1.2.0/24,uniquelocal,linklocal', '::1', 'fe80::/10', 'fd12:3456::/48']) {
      expect(loadConfig({ TRUST_PROXY: ok }).trustProxy).toBe(ok);
    }
  });

  it.each([
    ['0.0.0.0/1,128.0.0.0/1'], ['0.0.0.0/0'], ['8.8.8.8'], ['10.0.0.0/7'], ['172.0.0.0/8'], ['192.168.0.0/15'], ['::/0'], ['2001:db8::/32'], ['fc00::/6'], ['10.0.0.1,1.1.1.1'],
  ])('refuses the public or too broad TRUST_PROXY %s, naming the entry', (value) => {
    expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/^TRUST_PROXY refuses .* is a public or too broad range/);
  });

  it('accepts RP_ORIGINS on a subdomain of RP_ID', () => {
    expect(loadConfig({ RP_ID: 'example.com', RP_ORIGINS: 'https://auth.login.example.com' }).rpOrigins).toEqual(['https://auth.login.example.com']);
  });
});

describe('loadConfig refuses bad values with a TypeError naming the variable first', () => {
  const bad: [what: string, key: string, env: Record<string, string>][] = [
    ['METRICS_TOKEN short in production', 'METRICS_TOKEN', { ...PRODUCTION, METRICS_TOKEN: 'short' }],
    ['METRICS_PORT equal to PORT', 'METRICS_PORT', { METRICS_PORT: '3000' }],
    ['PORT not a number', 'PORT', { PORT: 'abc' }],
    ['WORKERS above 1 with the memory store (its state is per process)', 'WORKERS', { WORKERS: '2' }],
    ['WORKERS zero', 'WORKERS', { WORKERS: '0' }],
    ['WORKERS not an integer', 'WORKERS', { WORKERS: '1.5' }],
    ['PORT above 65535', 'PORT', { PORT: '70000' }],
    ['PORT zero', 'PORT', { PORT: '0' }],
    ['PORT not an integer', 'PORT', { PORT: '80.5' }],
    ['NODE_ENV unknown', 'NODE_ENV', { NODE_ENV: 'staging' }],
    ['RP_ID with a scheme', 'RP_ID', { RP_ID: 'https://example.com' }],
    ['RP_ID with a port', 'RP_ID', { RP_ID: 'example.com:443' }],
    ['RP_ID with a path', 'RP_ID', { RP_ID: 'example.com/login' }],
    ['RP_ID upper-case', 'RP_ID', { RP_ID: 'Example.com' }],
    ['RP_NAME too long', 'RP_NAME', { RP_NAME: 'x'.repeat(65) }],
    ['RP_ORIGINS with a path', 'RP_ORIGINS', { RP_ORIGINS: 'http://localhost:3000/login' }],
    ['RP_ORIGINS with a trailing slash', 'RP_ORIGINS', { RP_ORIGINS: 'http://localhost:3000/' }],
    ['RP_ORIGINS not http(s)', 'RP_ORIGINS', { RP_ORIGINS: 'ftp://localhost' }],
    ['RP_ORIGINS not a URL', 'RP_ORIGINS', { RP_ORIGINS: 'localhost:3000' }],
    ['RP_ORIGINS empty list', 'RP_ORIGINS', { RP_ORIGINS: ' , ' }],
    ['RP_ORIGINS not on RP_ID', 'RP_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://evil.com' }],
    ['RP_ORIGINS on a look-alike of RP_ID', 'RP_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://badexample.com' }],
    ['RP_ORIGINS with one bad entry', 'RP_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com,https://example.org' }],
    ['RP_ORIGINS default not on RP_ID', 'RP_ORIGINS', { RP_ID: 'example.com' }],
    ['MONGODB_URI not mongodb://', 'MONGODB_URI', { MONGODB_URI: 'http://db.internal:27017' }],
    ['MONGODB_URI a bare host', 'MONGODB_URI', { MONGODB_URI: 'db.internal:27017' }],
    ['MONGODB_DB with a dot', 'MONGODB_DB', { MONGODB_DB: 'key.gate' }],
    ['SESSION_SECRET too short', 'SESSION_SECRET', { SESSION_SECRET: 'x'.repeat(31) }],
    ['SESSION_TTL_SECONDS zero', 'SESSION_TTL_SECONDS', { SESSION_TTL_SECONDS: '0' }],
    ['CHALLENGE_TTL_SECONDS above 3600', 'CHALLENGE_TTL_SECONDS', { CHALLENGE_TTL_SECONDS: '3601' }],
    ['BODY_LIMIT not a size', 'BODY_LIMIT', { BODY_LIMIT: 'lots' }],
    ['RATE_LIMIT_PER_MINUTE negative', 'RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: '-1' }],
    ['RATE_LIMIT_PER_MINUTE not a number', 'RATE_LIMIT_PER_MINUTE', { RATE_LIMIT_PER_MINUTE: 'many' }],
    ['LOG_LEVEL unknown', 'LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['TRUST_PROXY true (any client could pick its IP)', 'TRUST_PROXY', { TRUST_PROXY: 'true' }],
    ['TRUST_PROXY not an address', 'TRUST_PROXY', { TRUST_PROXY: 'banana' }],
    ['TRUST_PROXY a bad IPv4', 'TRUST_PROXY', { TRUST_PROXY: '1.2.3.999' }],
    ['TRUST_PROXY a bad prefix', 'TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/99' }],
    ['TRUST_PROXY absurd hop count', 'TRUST_PROXY', { TRUST_PROXY: '99999' }],
    ['RP_ID an IP address', 'RP_ID', { RP_ID: '127.0.0.1', RP_ORIGINS: 'http://127.0.0.1:3000' }],
    ['production without MONGODB_URI', 'MONGODB_URI', { ...PRODUCTION, MONGODB_URI: '' }],
    ['production without SESSION_SECRET', 'SESSION_SECRET', { ...PRODUCTION, SESSION_SECRET: '' }],
    ['production without DATA_KEYS', 'DATA_KEYS', { ...PRODUCTION, DATA_KEYS: '' }],
    ['MONGODB_URI without DATA_KEYS (a generated key would not survive a restart)', 'DATA_KEYS', { MONGODB_URI: 'mongodb://127.0.0.1:27017', HMAC_SECRET: PRODUCTION.HMAC_SECRET }],
    ['MONGODB_URI without HMAC_SECRET', 'HMAC_SECRET', { MONGODB_URI: 'mongodb://127.0.0.1:27017', DATA_KEYS: PRODUCTION.DATA_KEYS }],
    ['production without HMAC_SECRET', 'HMAC_SECRET', { ...PRODUCTION, HMAC_SECRET: '' }],
    ['DATA_KEYS without a kid', 'DATA_KEYS', { DATA_KEYS: KEY_A.toString('base64') }],
    ['DATA_KEYS with a 16-byte key', 'DATA_KEYS', { DATA_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }],
    ['DATA_KEYS repeating a kid', 'DATA_KEYS', { DATA_KEYS: `k1:${KEY_A.toString('base64')},k1:${KEY_B.toString('base64')}` }],
    ['HMAC_SECRET too short', 'HMAC_SECRET', { HMAC_SECRET: 'short' }],
    ['PASSWORD_LOGIN not a boolean', 'PASSWORD_LOGIN', { PASSWORD_LOGIN: 'yes' }],
    ['USER_VERIFICATION unknown', 'USER_VERIFICATION', { USER_VERIFICATION: 'browser' }],
    ['ENUMERATION_PROTECTION not a boolean', 'ENUMERATION_PROTECTION', { ENUMERATION_PROTECTION: '1' }],
    ['LOCKOUT_THRESHOLD zero', 'LOCKOUT_THRESHOLD', { LOCKOUT_THRESHOLD: '0' }],
    ['LOCKOUT_MAX_SECONDS below the base', 'LOCKOUT_MAX_SECONDS', { LOCKOUT_BASE_SECONDS: '600', LOCKOUT_MAX_SECONDS: '60' }],
    ['SIGN_IN_ATTEMPT_TTL_SECONDS above 3600', 'SIGN_IN_ATTEMPT_TTL_SECONDS', { SIGN_IN_ATTEMPT_TTL_SECONDS: '7200' }],
    ['TOKEN_ISSUER with a path', 'TOKEN_ISSUER', { TOKEN_ISSUER: 'https://example.com/auth' }],
    ['TOKEN_ISSUER http in production', 'TOKEN_ISSUER', { ...PRODUCTION, TOKEN_ISSUER: 'http://example.com' }],
    ['TOKEN_AUDIENCES with a space inside', 'TOKEN_AUDIENCES', { TOKEN_AUDIENCES: 'my app' }],
    ['TOKEN_SIGNING_ALG HS256', 'TOKEN_SIGNING_ALG', { TOKEN_SIGNING_ALG: 'HS256' }],
    ['TOKEN_KEY_LEAD_SECONDS below a JWKS cache time', 'TOKEN_KEY_LEAD_SECONDS', { TOKEN_KEY_LEAD_SECONDS: '60' }],
    ['JWKS_MAX_AGE_SECONDS not below the lead time', 'JWKS_MAX_AGE_SECONDS', { JWKS_MAX_AGE_SECONDS: '900' }],
    ['INTROSPECTION_CLIENT_SECRET too short', 'INTROSPECTION_CLIENT_SECRET', { INTROSPECTION_CLIENT_SECRET: 'short' }],
    ['INTROSPECTION_CLIENT_ID with a colon', 'INTROSPECTION_CLIENT_ID', { INTROSPECTION_CLIENT_ID: 'a:b' }],
    ['production with an http origin', 'RP_ORIGINS', { ...PRODUCTION, RP_ORIGINS: 'http://example.com' }],
    ['DELIVERY unknown', 'DELIVERY', { DELIVERY: 'sms' }],
    ['DELIVERY_WEBHOOK_URL not a URL', 'DELIVERY_WEBHOOK_URL', { DELIVERY_WEBHOOK_URL: 'sms.example.com/keygate' }],
    ['DELIVERY_WEBHOOK_URL not http(s)', 'DELIVERY_WEBHOOK_URL', { DELIVERY_WEBHOOK_URL: 'ftp://sms.example.com/' }],
    ['DELIVERY_WEBHOOK_SECRET below 32 characters', 'DELIVERY_WEBHOOK_SECRET', { DELIVERY_WEBHOOK_SECRET: 'x'.repeat(31) }],
    ['DELIVERY_TIMEOUT_MS below 100', 'DELIVERY_TIMEOUT_MS', { DELIVERY_TIMEOUT_MS: '50' }],
    ['DELIVERY_TIMEOUT_MS above 60000', 'DELIVERY_TIMEOUT_MS', { DELIVERY_TIMEOUT_MS: '60001' }],
    ['DELIVERY_RETRIES negative', 'DELIVERY_RETRIES', { DELIVERY_RETRIES: '-1' }],
    ['DELIVERY_RETRIES above 10', 'DELIVERY_RETRIES', { DELIVERY_RETRIES: '11' }],
    ['SMTP_URL not smtp(s)', 'SMTP_URL', { SMTP_URL: 'https://mail.example.com' }],
    ['SMTP_FROM not an address', 'SMTP_FROM', { SMTP_FROM: 'keygate' }],
    ['OOB_CHANNELS unknown', 'OOB_CHANNELS', { OOB_CHANNELS: 'sms,push', DELIVERY: 'dev' }],
    ['OOB_CHANNELS with DELIVERY=none', 'OOB_CHANNELS', { OOB_CHANNELS: 'email' }],
    ['OOB_CHANNELS sms with DELIVERY=smtp', 'OOB_CHANNELS', { OOB_CHANNELS: 'sms', DELIVERY: 'smtp', SMTP_URL: 'smtps://k:pw@mail.example.com:465', SMTP_FROM: 'no-reply@example.com' }],
    ['OOB_IP_SENDS_PER_HOUR zero', 'OOB_IP_SENDS_PER_HOUR', { OOB_IP_SENDS_PER_HOUR: '0' }],
    ['APPROVAL without PASSWORD_LOGIN', 'APPROVAL', { APPROVAL: 'true' }],
    ['APPROVAL_STREAM_SECONDS zero', 'APPROVAL_STREAM_SECONDS', { APPROVAL_STREAM_SECONDS: '0' }],
    ['TRUST_ANCHORS without a format', 'TRUST_ANCHORS', { TRUST_ANCHORS: '/etc/k/yubico.pem' }],
    ['TRUST_ANCHORS for format none', 'TRUST_ANCHORS', { TRUST_ANCHORS: 'none:/etc/k/x.pem' }],
    ['MDS_URL not a URL', 'MDS_URL', { MDS_URL: 'mds3' }],
    ['ONE_TIME_LINK_TTL_SECONDS below 60', 'ONE_TIME_LINK_TTL_SECONDS', { ONE_TIME_LINK_TTL_SECONDS: '10' }],
    ['production with one http origin among https', 'RP_ORIGINS', { ...PRODUCTION, RP_ORIGINS: 'https://example.com,http://login.example.com' }],
    ['RELATED_ORIGINS with a path', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://admin.example.net/portal' }],
    ['RELATED_ORIGINS not a URL', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'admin.example.net' }],
    ['RELATED_ORIGINS on RP_ID', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://example.com:8443' }],
    ['RELATED_ORIGINS on a subdomain of RP_ID', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://admin.example.net,https://admin.example.com' }],
    ['RELATED_ORIGINS http on another host', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'http://admin.example.net' }],
    ['RELATED_ORIGINS http://localhost in production', 'RELATED_ORIGINS', { ...PRODUCTION, RELATED_ORIGINS: 'http://localhost:4000' }],
    ['RELATED_ORIGINS http in production', 'RELATED_ORIGINS', { ...PRODUCTION, RELATED_ORIGINS: 'http://admin.example.net' }],
    ['RELATED_ORIGINS an IP address (no registrable domain)', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://203.0.113.7' }],
    ['RELATED_ORIGINS a bare public suffix', 'RELATED_ORIGINS', { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com', RELATED_ORIGINS: 'https://co.uk' }],
  ];

  it.each(bad)('%s', (_what, key, env) => {
    const err = configError(env);
    expect(err.message.startsWith(`${key} `)).toBe(true);
  });

  describe('RELATED_ORIGINS: at most 5 registrable-domain labels (WebAuthn L3 §5.11.1)', () => {
    const base = { RP_ID: 'example.com', RP_ORIGINS: 'https://example.com' };
    const five = ['https://alpha.com', 'https://admin.bravo.co.uk', 'https://charlie.net', 'https://delta.org', 'https://echo.dev'];

    it('accepts 5 labels, counting one label for several origins of one eTLD+1 label', () => {
      // bravo.co.uk and bravo.de share the label `bravo`; alice.github.io is `alice` (PSL private section, as browsers read it).
      const origins = [...five, 'https://bravo.de', 'https://login.alpha.com', 'https://alpha.com:8443'];
      const c = loadConfig({ ...base, RELATED_ORIGINS: origins.join(',') });
      expect(c.relatedOrigins).toEqual(origins);
      expect(c.acceptedOrigins).toEqual(['https://example.com', ...origins]);
      expect(loadConfig({ ...base, RELATED_ORIGINS: 'https://alice.github.io,https://bob.github.io,https://a.com,https://b.com,https://c.com' }).relatedOrigins).toHaveLength(5);
    });

    it('refuses a sixth label in one line naming the key, the limit and the labels', () => {
      const err = configError({ ...base, RELATED_ORIGINS: [...five, 'https://foxtrot.io'].join(',') });
      expect(err.message).toBe('RELATED_ORIGINS must name at most 5 distinct registrable domain labels (WebAuthn §5.11.1; browsers ignore origins past the fifth), got 6: alpha, bravo, charlie, delta, echo, foxtrot');
      expect(configError({ ...base, RELATED_ORIGINS: 'https://alice.github.io,https://bob.github.io,https://a.com,https://b.com,https://c.com,https://d.com' }).message).toMatch(/^RELATED_ORIGINS must name at most 5 .* got 6/);
    });

    it('accepts http://localhost outside production, and uncounted (it has no registrable domain)', () => {
      const c = loadConfig({ ...base, RELATED_ORIGINS: ['http://localhost:4000', ...five].join(',') });
      expect(c.acceptedOrigins).toContain('http://localhost:4000');
      expect(c.httpsOnly).toBe(false);
    });

    it('accepts https related origins in production, and counts them for httpsOnly', () => {
      const c = loadConfig({ ...PRODUCTION, RELATED_ORIGINS: 'https://admin.example-corp.net' });
      expect(c.acceptedOrigins).toEqual(['https://example.com', 'https://admin.example-corp.net']);
      expect(c.httpsOnly).toBe(true);
    });

    it('says why an origin on RP_ID is refused', () => {
      expect(configError({ ...base, RELATED_ORIGINS: 'https://login.example.com' }).message).toBe('RELATED_ORIGINS origin https://login.example.com is on RP_ID example.com or a subdomain of it: list it in RP_ORIGINS instead');
    });

    it('is empty by default: nothing more is accepted', () => {
      const c = loadConfig(base);
      expect(c.relatedOrigins).toEqual([]);
      expect(c.acceptedOrigins).toEqual(['https://example.com']);
    });
  });

  it('never echoes a delivery secret or URL it refuses, only its length', () => {
    expect(configError({ DELIVERY_WEBHOOK_SECRET: 'short-secret' }).message).toBe('DELIVERY_WEBHOOK_SECRET must be at least 32 characters (e.g. openssl rand -base64 32) (got 12 characters)');
    expect(configError({ SMTP_URL: 'http://u:hunter2@mail' }).message).not.toContain('hunter2');
    expect(configError({ DELIVERY_WEBHOOK_URL: 'token=hunter2' }).message).not.toContain('hunter2');
  });

  it('production with neither MONGODB_URI nor SESSION_SECRET is refused', () => {
    const err = configError({ NODE_ENV: 'production', RP_ID: 'example.com', RP_ORIGINS: 'https://example.com' });
    expect(err.message).toMatch(/^(MONGODB_URI|SESSION_SECRET) /);
  });
});

describe('loadConfig result', () => {
  it('is frozen, including the origin list', () => {
    const c = loadConfig({ RP_ID: 'example.com', RP_ORIGINS: 'https://example.com' });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.rpOrigins)).toBe(true);
    expect(Object.isFrozen(c.relatedOrigins)).toBe(true);
    expect(Object.isFrozen(c.acceptedOrigins)).toBe(true);
    expect(() => {
      (c as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (c.rpOrigins as string[]).push('https://evil.com');
    }).toThrow(TypeError);
    expect(c.port).toBe(3000);
    expect(c.rpOrigins).toEqual(['https://example.com']);
  });

  it('does not change the environment object it is given', () => {
    const env = { PORT: '4000' };
    loadConfig(env);
    expect(env).toEqual({ PORT: '4000' });
  });
});
