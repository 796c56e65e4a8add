import type { Config } from './config-schema.js';

type DeliveryConfig = Pick<Config, 'nodeEnv' | 'delivery' | 'deliveryWebhookUrl' | 'deliveryWebhookSecret' | 'smtpUrl' | 'smtpFrom'>;

/**
 * The delivery rules that span several keys (each key alone is checked by its schema): the
 * one line, starting with the offending key, that start-up must refuse, or undefined.
 * loadConfig runs it with the other cross-key checks; createDelivery runs it again.
 */
export function deliveryConfigProblem(c: DeliveryConfig): string | undefined {
  if (c.delivery === 'dev' && c.nodeEnv === 'production') {
    return 'DELIVERY must not be dev in production (it keeps every message, one-time codes included, in process memory for the developer panel)';
  }
  if (c.delivery === 'webhook') {
    if (!c.deliveryWebhookUrl) return 'DELIVERY_WEBHOOK_URL is required with DELIVERY=webhook';
    if (!c.deliveryWebhookSecret) return 'DELIVERY_WEBHOOK_SECRET is required with DELIVERY=webhook (32+ random characters, e.g. openssl rand -base64 32; the receiver checks the signature with it)';
    if (c.nodeEnv === 'production' && !c.deliveryWebhookUrl.startsWith('https:')) return 'DELIVERY_WEBHOOK_URL must be an https URL in production (messages carry one-time codes)';
  }
  if (c.delivery === 'smtp') {
    if (!c.smtpUrl) return 'SMTP_URL is required with DELIVERY=smtp';
    if (!c.smtpFrom) return 'SMTP_FROM is required with DELIVERY=smtp';
  }
  return undefined;
}
