import { createHash } from 'node:crypto';
import type { Deps } from '../deps.js';
import { NotFoundError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import { recordEvent } from '../audit/record-event.js';
import type { OneTimeLink } from '../storage/ports.js';

/**
 * One-time registration links: the way in for someone with no factor at all, issued by an
 * operator (`npm run create-admin`, the first administrator's first key) or an administrator
 * (support-assisted recovery for a user who lost every factor). Contract:
 * - the secret is 32 random bytes (base64url) and appears only in the link; the store keeps
 *   its SHA-256 (an unkeyed hash suffices for 256 random bits, and keeps links working across
 *   processes that do not share HMAC_SECRET, such as the create-admin script);
 * - a new link for a user replaces (deletes) their earlier ones;
 * - it expires after ONE_TIME_LINK_TTL_SECONDS and is taken (deleted) atomically when the
 *   registration it started finishes, so it registers at most one key;
 * - the link is `${first RP origin}/#link=<secret>`: a URL fragment, so the secret is never
 *   sent in a request line or a Referer, and never lands in an access log.
 */
export function linkIdOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export interface IssuedLink {
  url: string;
  expiresAt: Date;
}

export async function issueLink(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config' | 'logger'>,
  input: { userId: string; purpose: OneTimeLink['purpose']; createdBy?: string },
): Promise<IssuedLink> {
  const secret = randomId(deps.random, 32);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.oneTimeLinkTtlSeconds * 1000);
  await deps.store.links.deleteByUser(input.userId);
  await deps.store.links.insert({ id: linkIdOf(secret), userId: input.userId, purpose: input.purpose, createdBy: input.createdBy, createdAt: now, expiresAt });
  await recordEvent(deps, { type: 'link.issued', outcome: 'success', userId: input.userId, data: { purpose: input.purpose, ...(input.createdBy ? { by: input.createdBy } : {}) } });
  return { url: `${deps.config.rpOrigins[0]}/#link=${secret}`, expiresAt };
}

/** The unexpired link with this secret (not used up by reading); 404 `link_not_found` otherwise. */
export async function readLink(deps: Pick<Deps, 'store' | 'clock'>, secret: string): Promise<OneTimeLink> {
  const link = await deps.store.links.get(linkIdOf(secret), deps.clock.now());
  if (!link) throw new NotFoundError('link_not_found', 'no unexpired link with this secret');
  return link;
}

/** Takes the link a registration was started with (once); 404 `link_not_found` when it was used, replaced or expired meanwhile. */
export async function takeLink(deps: Pick<Deps, 'store' | 'clock'>, linkId: string, userId: string): Promise<OneTimeLink> {
  const link = await deps.store.links.take(linkId, deps.clock.now());
  if (!link || link.userId !== userId) throw new NotFoundError('link_not_found', 'the link was used, replaced or expired during the registration');
  return link;
}
