import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { NotFoundError } from '../errors/keygate-error.js';
import type { Session } from '../storage/ports.js';
import { peekToken } from './verify-token.js';

/**
 * POST /token/revoke by `jti` (or the token itself). A signed-in user revokes their own
 * tokens: another user's or an unknown jti is `unknown_token` (404), indistinguishable. The
 * introspection client (authenticated by the route) revokes any token keygate issued; as
 * RFC 7009 §2.2 asks, an unknown or already-expired one answers the same success. A
 * revocation lives in the store until the token would have expired anyway.
 */
export async function revokeToken(
  deps: Deps,
  who: { kind: 'session'; session: Session; ip?: string } | { kind: 'client'; ip?: string },
  what: { jti?: string; token?: string },
): Promise<void> {
  const now = deps.clock.now();
  // The jti of a token value is read without verifying it (a revoked or expired token must be
  // revocable again, idempotently): what may be revoked is decided by the store's record of
  // who it was issued to, never by the token's claims.
  const jti = what.jti ?? (what.token !== undefined ? peekToken(what.token)?.jti : undefined);
  const issued = jti === undefined ? undefined : await deps.store.tokens.findByJti(jti, now);
  if (who.kind === 'session' && (!issued || issued.userId !== who.session.userId)) {
    throw new NotFoundError('unknown_token', `jti ${jti ?? '(none)'} is unknown, expired or not issued to this user`);
  }
  if (!issued) return;
  await deps.store.tokens.revoke(issued.jti, issued.expiresAt);
  await recordEvent(deps, { type: 'token.revoked', outcome: 'success', userId: issued.userId, ip: who.ip, data: { jti: issued.jti, audience: issued.audience, by: who.kind } });
}
