import type { Config } from '../config/config-schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { deliveryConfigProblem } from '../config/delivery-config-problem.js';
import { DevDelivery } from './dev-delivery.js';
import type { MessageDelivery } from './message-delivery.js';
import { createSmtpDelivery } from './smtp-delivery.js';
import { createWebhookDelivery } from './webhook-delivery.js';

export interface DeliveryDeps {
  logger: Logger;
  clock: Clock;
  /** Test seams, passed to the adapters that use them. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** DELIVERY=none: every send fails permanently, without a request. */
const noDelivery: MessageDelivery = Object.freeze({
  kind: 'none' as const,
  channels: Object.freeze([]),
  send: async () => ({ status: 'failed_permanently' as const, attempts: 0, reason: 'delivery_disabled' as const }),
});

/**
 * The `MessageDelivery` DELIVERY names, built from validated config. Throws TypeError (one
 * line naming the key, like loadConfig) for a combination loadConfig should have refused, so
 * a caller that builds config by hand cannot get, say, the dev adapter in production.
 * With DELIVERY=dev it returns a `DevDelivery`, whose `recent()` the developer panel reads.
 */
export function createDelivery(config: Config, deps: DeliveryDeps): MessageDelivery {
  const problem = deliveryConfigProblem(config);
  if (problem) throw new TypeError(problem);
  const common = { timeoutMs: config.deliveryTimeoutMs, retries: config.deliveryRetries, logger: deps.logger, sleep: deps.sleep, random: deps.random };
  switch (config.delivery) {
    case 'webhook':
      return createWebhookDelivery({ ...common, url: config.deliveryWebhookUrl!, secret: config.deliveryWebhookSecret!, clock: deps.clock, fetch: deps.fetch });
    case 'smtp':
      return createSmtpDelivery({ ...common, url: config.smtpUrl!, from: config.smtpFrom! });
    case 'dev':
      deps.logger.warn('DELIVERY=dev: messages, one-time codes included, are not sent but kept in this process\'s memory for the developer panel (refused in production)');
      return new DevDelivery(deps.clock);
    case 'none':
      return noDelivery;
  }
}
