import type { Clock } from '../lib/clock.js';
import type { DeliveryMessage, DeliveryResult, MessageDelivery } from './message-delivery.js';
import { invalidMessage } from './message-delivery.js';

/** A message the dev adapter kept, as the developer panel shows it. */
export interface DevMessage {
  readonly to: string;
  readonly channel: DeliveryMessage['channel'];
  readonly text: string;
  readonly subject?: string;
  readonly idempotencyKey: string;
  readonly at: Date;
}

/** How many messages the dev adapter keeps by default. */
export const DEV_DELIVERY_CAPACITY = 50;

/**
 * The development adapter (DELIVERY=dev): "delivers" by keeping the last `capacity`
 * messages in this process's memory, texts included, for the demo's developer panel to show
 * (`recent()`). That is exactly why loadConfig refuses it in production: the codes would sit
 * readable in memory, and on a multi-instance deployment a message would be on one instance
 * only. A message whose idempotency key is already kept is not added again (the panel shows
 * one message per key, as a receiver that honours the key would).
 */
export class DevDelivery implements MessageDelivery {
  readonly kind = 'dev' as const;
  readonly channels = Object.freeze(['sms', 'email'] as const);
  private readonly kept: DevMessage[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly capacity = DEV_DELIVERY_CAPACITY,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`DevDelivery capacity must be a positive integer (got ${capacity})`);
  }

  async send(m: DeliveryMessage): Promise<DeliveryResult> {
    if (invalidMessage(m)) return { status: 'failed_permanently', attempts: 0, reason: 'invalid_message' };
    if (!this.kept.some((k) => k.idempotencyKey === m.idempotencyKey)) {
      this.kept.unshift(Object.freeze({ to: m.to, channel: m.channel, text: m.text, ...(m.subject === undefined ? {} : { subject: m.subject }), idempotencyKey: m.idempotencyKey, at: this.clock.now() }));
      this.kept.length = Math.min(this.kept.length, this.capacity);
    }
    return { status: 'delivered', attempts: 1 };
  }

  /** The kept messages, newest first, optionally only those sent to `to`. */
  recent(to?: string): readonly DevMessage[] {
    return Object.freeze(this.kept.filter((k) => to === undefined || k.to === to));
  }
}
