import type { Deps } from '../deps.js';
import type { ApprovalRequest, OobChannel } from '../storage/ports.js';

/**
 * Where a delivery adapter is configured (DELIVERY), tells the user of a new approval request
 * through the port as well, on their verified email address, else their verified phone
 * number (one message, on a channel the adapter carries): where it comes from and a link to
 * the account page (`/#approvals` on the first RP origin) where a signed-in session answers
 * it. The message carries no secret: not the number (that would defeat number matching),
 * not the request id; the link works only for a session already signed in. Best effort: a
 * failed delivery is logged and the request stands (open sessions learn of it by events).
 * Returns the channel used, if any.
 */
export async function notifyApprovalRequest(deps: Pick<Deps, 'delivery' | 'store' | 'config' | 'logger' | 'clock'>, request: ApprovalRequest): Promise<OobChannel | undefined> {
  const delivery = deps.delivery;
  if (!delivery || delivery.kind === 'none') return undefined;
  const destinations = await deps.store.oob.destinations(request.userId, deps.clock.now());
  const channel = (['email', 'sms'] as const).find((c) => delivery.channels.includes(c) && destinations?.[c]?.active);
  const to = channel && destinations?.[channel]?.active?.destination;
  if (!channel || !to) return undefined;
  const link = `${deps.config.rpOrigins[0]}/#approvals`;
  const from = [request.ip && `from ${request.ip}`, request.userAgent && `(${request.userAgent.slice(0, 80)})`].filter(Boolean).join(' ');
  const text = `${deps.config.rpName}: a sign-in to your account ${from} is waiting for your approval for 2 minutes. To answer it, open ${link} where you are already signed in. If it was not you, choose "This was not me".`;
  try {
    const result = await delivery.send({ channel, to, text, subject: `${deps.config.rpName}: approve a sign-in?`, idempotencyKey: `approval-${request.requestId}` });
    if (result.status !== 'delivered') deps.logger.warn({ channel, status: result.status, reason: result.reason }, 'approval request message not delivered');
    return result.status === 'delivered' ? channel : undefined;
  } catch (err) {
    deps.logger.warn({ err, channel }, 'approval request message not delivered');
    return undefined;
  }
}
