import { retryAfterSeconds } from '../../lib/clock.js';
import type { Deps } from '../../deps.js';
import type { DeliveryResult } from '../../delivery/message-delivery.js';
import { ForbiddenError, KeygateError } from '../../errors/keygate-error.js';
import { encodeBase64url } from '../../lib/base64url.js';
import { keyedHash } from '../../lib/keyed-hash.js';
import { clientKey } from '../../rate-limiting/client-key.js';
import type { OobChannel } from '../../storage/ports.js';

const HOUR = 3_600_000;
/** Per user and per destination (issue 10): at most 1 send per 30 s and 5 per hour, sliding. */
export const OOB_SEND_LIMITS = { intervalMs: 30_000, windowMs: HOUR, max: 5 } as const;

/**
 * 403 `oob_channel_disabled` unless OOB_CHANNELS enables `channel` and the delivery adapter
 * can carry it (loadConfig already refuses a channel DELIVERY cannot carry; an injected
 * adapter is checked here too).
 */
export function requireOobChannel(deps: Pick<Deps, 'config' | 'delivery'>, channel: OobChannel): void {
  if (deps.config.oobChannels.includes(channel) && deps.delivery?.channels.includes(channel)) return;
  throw new ForbiddenError('oob_channel_disabled', `OOB_CHANNELS is [${deps.config.oobChannels.join(', ')}], DELIVERY ${deps.delivery?.kind ?? 'absent'} carries [${deps.delivery?.channels.join(', ') ?? ''}]; ${channel} is not both`, { variant: channel });
}

/**
 * Claims one send against every limit, in the store (shared by every instance): per user and
 * per destination 1 per 30 s and 5 per hour, per client IP (IPv6 /64) OOB_IP_SENDS_PER_HOUR.
 * Checked in that order, each claim counted once made (a refusal by a later limit leaves the
 * earlier ones counted: the safe side). Refused: 429 `code_send_limited` with Retry-After.
 */
export async function claimOobSend(deps: Pick<Deps, 'store' | 'clock' | 'config'>, who: { userId: string; destination: string; ip?: string }): Promise<void> {
  const now = deps.clock.now();
  const destinationKey = encodeBase64url(keyedHash(deps.config.hmacSecret, 'oob-destination', who.destination));
  const claims = [
    { key: `user:${who.userId}`, limits: OOB_SEND_LIMITS },
    { key: `dest:${destinationKey}`, limits: OOB_SEND_LIMITS },
    { key: `ip:${clientKey(who.ip)}`, limits: { intervalMs: 0, windowMs: HOUR, max: deps.config.oobIpSendsPerHour } },
  ];
  for (const { key, limits } of claims) {
    const claim = await deps.store.oob.claimSend(key, now, limits);
    if (claim.ok) continue;
    const seconds = retryAfterSeconds(claim.retryAt, now);
    throw new KeygateError('code_send_limited', `${key.split(':')[0]} send limit (${claim.limit}) reached; next send in ${seconds} s`, {
      variant: claim.limit,
      params: { wait: seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes` },
      headers: { 'Retry-After': String(seconds) },
      fields: { retryAfterSeconds: seconds },
    });
  }
}

/**
 * Sends a code through the delivery port. Anything but `delivered` (and an adapter that
 * throws, against its contract) is 503 `delivery_failed`: one message whatever the reason,
 * naming neither the destination nor what the receiver said (a "no such number" must not tell
 * anyone anything), with the reason in the developer detail and the log.
 */
export async function deliverOobCode(
  deps: Pick<Deps, 'delivery' | 'logger'>,
  message: { channel: OobChannel; to: string; text: string; subject?: string; idempotencyKey: string },
): Promise<void> {
  let result: DeliveryResult;
  try {
    result = deps.delivery ? await deps.delivery.send(message) : { status: 'failed_permanently', attempts: 0, reason: 'delivery_disabled' };
  } catch {
    result = { status: 'failed_permanently', attempts: 0, reason: 'network_error' };
  }
  if (result.status === 'delivered') return;
  deps.logger.warn({ channel: message.channel, status: result.status, reason: result.reason, attempts: result.attempts }, 'one-time code not delivered');
  throw new KeygateError('delivery_failed', `${result.status}: ${result.reason} after ${result.attempts} attempt(s)`);
}
