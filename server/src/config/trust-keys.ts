import { z } from 'zod';
import { count, seconds, type ConfigKey } from './config-values.js';

/** A comma-separated list of paths (files are read at start, by the services that use them). */
const pathList = z.string().transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean));

/**
 * The configuration keys of attestation trust (server/src/attestation/) and per-role policy
 * (server/src/policy/role-policy.ts), part of configKeys. The files they name are read and
 * validated once at start (a bad file stops the start with a message naming it).
 */
export const trustKeys = {
  trustAnchors: {
    env: 'TRUST_ANCHORS',
    doc: 'Attestation roots per format: `format:path,...` (e.g. `packed:/etc/keygate/yubico-root.pem,fido-u2f:/etc/keygate/yubico-root.pem`); each file holds one or more PEM certificates. An attestation whose x5c chain reaches one of its format\'s roots is trusted (`attestationTrusted`). Empty: only MDS3 roots (when MDS_URL or MDS_FILE is set) make an attestation trusted.',
    default: '',
    schema: z
      .string()
      .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^(packed|tpm|android-key|android-safetynet|fido-u2f|apple):.+$/, 'each entry must be format:path with format one of packed, tpm, android-key, android-safetynet, fido-u2f, apple'))),
  },
  mdsUrl: {
    env: 'MDS_URL',
    doc: 'FIDO Metadata Service v3 BLOB URL (https://mds3.fidoalliance.org/ in production): fetched at start and again at its nextUpdate; the verified BLOB is cached in the store, so instances agree and a restart works offline. Needs MDS_ROOT_CERT. Not together with MDS_FILE.',
    schema: z.string().url('must be a URL').optional(),
  },
  mdsFile: {
    env: 'MDS_FILE',
    doc: 'An MDS3 BLOB (the JWT as downloaded) read from this file instead of MDS_URL: offline deployments and tests. Re-read at each refresh. Needs MDS_ROOT_CERT.',
    schema: z.string().min(1).optional(),
  },
  mdsRootCert: {
    env: 'MDS_ROOT_CERT',
    doc: 'PEM file of the root certificate the BLOB\'s signing chain (its JWT x5c header) must reach: the FIDO Alliance root (GlobalSign Root CA - R3) in production. A BLOB that does not chain to it, or whose `no` is not above the cached one, is ignored (visible in the admin API\'s MDS status).',
    schema: z.string().min(1).optional(),
  },
  mdsCrlFiles: {
    env: 'MDS_CRL_FILES',
    doc: 'Comma-separated DER or PEM CRL files used for the BLOB\'s signing chain instead of fetching the CRL distribution points the certificates name (offline deployments). A chain certificate that names a distribution point whose CRL cannot be had fails the BLOB.',
    default: '',
    schema: pathList,
  },
  mdsPollSeconds: {
    env: 'MDS_POLL_SECONDS',
    doc: 'How often each instance re-reads the cached BLOB from the store and retries a failed refresh, besides refreshing at the BLOB\'s nextUpdate.',
    default: '3600',
    schema: seconds,
  },
  policyFile: {
    env: 'POLICY_FILE',
    doc: 'JSON file of per-role authenticator policies (allowed attestation formats, trust required, AAGUID allow/deny lists, user verification, synced passkeys, attachment and transports, which second factors count), validated at start with errors naming the rule. `dev`: the built-in development policy, which also trusts Chrome\'s virtual authenticator (refused in production). Unset: the built-in defaults (users: any authenticator; admins: a trusted, device-bound key with UV).',
    schema: z.string().min(1).optional(),
  },
  bootstrapAdmin: {
    env: 'BOOTSTRAP_ADMIN',
    doc: 'A username made an administrator at start, with a one-time link to register their first key written to the log: for the memory store, where `npm run create-admin` cannot reach the server\'s data. Refused in production (use `npm run create-admin`).',
    schema: z.string().min(1).max(256).optional(),
  },
  oneTimeLinkTtlSeconds: {
    env: 'ONE_TIME_LINK_TTL_SECONDS',
    doc: 'How long a one-time registration link (npm run create-admin, an administrator\'s recovery link) stays valid.',
    default: '86400',
    schema: count(60).max(604_800, 'must be at most 604800 (7 days)'),
  },
} satisfies Record<string, ConfigKey<unknown>>;
