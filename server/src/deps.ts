import type { Config } from './config/config-schema.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import type { Random } from './lib/random.js';
import type { MessageDelivery } from './delivery/message-delivery.js';
import type { Metrics } from './observability/metrics.js';
import type { Store } from './storage/ports.js';
import type { MetadataService, TrustService } from './attestation/trust-types.js';
import type { RolePolicies } from './policy/role-policy.js';

/** What every use case gets injected: nothing reads globals (time, randomness, env). */
export interface Deps {
  config: Config;
  store: Store;
  clock: Clock;
  random: Random;
  logger: Logger;
  /**
   * The app's metrics (its own prom-client Registry). `main.ts` creates them before opening
   * the store, so the store it passes is wrapped by `instrumentStore` into the same metrics;
   * `buildApp` creates fresh ones when absent (tests), without store metrics then.
   */
  metrics?: Metrics;
  /**
   * Sends SMS and email (DELIVERY: webhook, smtp, dev or none), for the out-of-band codes
   * still to come (issue 10). `main.ts` builds it from config; `buildApp` builds one when absent.
   */
  delivery?: MessageDelivery;
  /** Per-role authenticator policies (POLICY_FILE, or the built-ins). */
  policies: RolePolicies;
  /** keygate's attestation trust verdicts (anchors from TRUST_ANCHORS, MDS3 roots, the dev policy). */
  trust: TrustService;
  /** The FIDO MDS3 BLOB in use (empty when MDS_URL / MDS_FILE are unset). */
  metadata: MetadataService;
}

/**
 * What `buildApp` is given: Deps, where the trust parts may be left out (built from config by
 * attestation/build-trust.ts; the metadata service is then not started).
 */
export type AppDeps = Omit<Deps, 'policies' | 'trust' | 'metadata'> & Partial<Pick<Deps, 'policies' | 'trust' | 'metadata'>>;
