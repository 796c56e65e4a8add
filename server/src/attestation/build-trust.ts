import type { Config } from '../config/config-schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { DEV_POLICY_WARNING, loadRolePolicies, type RolePolicies } from '../policy/role-policy.js';
import type { Store } from '../storage/ports.js';
import { loadTrustAnchors } from './anchor-files.js';
import { builtInAnchors, mergeAnchors } from './built-in-anchors.js';
import { createTrustService } from './attestation-trust.js';
import { createMetadataService, loadMetadataConfig } from './metadata-service.js';
import type { MetadataService, TrustService } from './trust-types.js';

export interface TrustParts {
  policies: RolePolicies;
  metadata: MetadataService;
  trust: TrustService;
}

/**
 * Builds what keygate decides trust and policy with, from config, reading the files it names
 * (POLICY_FILE, TRUST_ANCHORS, MDS_ROOT_CERT, MDS_CRL_FILES) once: a bad file throws
 * `TypeError` naming the key and the problem, so a misconfiguration stops the start. The
 * anchors are the library's vendor roots for apple and android-key (built-in-anchors.ts)
 * plus TRUST_ANCHORS. The metadata service is NOT started here (`main.ts` awaits `metadata.start()`; tests start
 * their own); until started it answers no entries. `metadata` given (tests) replaces the
 * one built from config.
 */
export function buildTrust(config: Config, ctx: { store: Store; clock: Clock; logger: Logger; metadata?: MetadataService; policies?: RolePolicies }): TrustParts {
  const policies = ctx.policies ?? loadRolePolicies(config.policyFile, { nodeEnv: config.nodeEnv });
  if (policies.devAuthenticators) ctx.logger.warn(DEV_POLICY_WARNING);
  const metadata = ctx.metadata ?? createMetadataService({ ...loadMetadataConfig(config), store: ctx.store.metadata, clock: ctx.clock, logger: ctx.logger });
  const trust = createTrustService({ anchors: mergeAnchors(builtInAnchors(), loadTrustAnchors(config.trustAnchors)), metadata, devAuthenticators: policies.devAuthenticators });
  return { policies, metadata, trust };
}
