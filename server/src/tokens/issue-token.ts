import { SignJWT } from 'jose';
import { recordEvent } from '../audit/record-event.js';
import type { Deps } from '../deps.js';
import { BadRequestError, ConflictError, ForbiddenError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import type { Session } from '../storage/ports.js';
import { currentSigner } from './key-ring-service.js';

export interface TokenRequest {
  audience: string;
  /** A caller-chosen transaction id echoed as the `txn` claim (e.g. "approve deploy #4711"). */
  txn?: string;
}

/**
 * POST /token: exchanges a fresh sign-in for a JWT an integrator verifies offline. Order:
 * 1. the audience is one of TOKEN_AUDIENCES (`invalid_audience`, 400);
 * 2. the sign-in is at most TOKEN_MAX_AUTH_AGE_SECONDS old (`sign_in_too_old`, 403: sign in again);
 * 3. one token per sign-in and audience: the issue is claimed in the store under
 *    `sessionId:audience` first (`token_already_issued`, 409, atomic across instances);
 * 4. signed with the ring's current key (kid in the header). Claims: iss, sub (the user's
 *    opaque id), aud, iat, nbf, exp (TOKEN_TTL_SECONDS), jti, auth_time, amr and acr as the
 *    session recorded them, and txn when given.
 */
export async function issueToken(deps: Deps, ctx: { session: Session; ip?: string }, req: TokenRequest): Promise<{ token: string; expiresIn: number; jti: string }> {
  const { config, clock } = deps;
  if (!config.tokenAudiences.includes(req.audience)) {
    throw new BadRequestError('invalid_audience', `audience ${JSON.stringify(req.audience)} is not in TOKEN_AUDIENCES (${config.tokenAudiences.join(', ') || 'empty'})`);
  }
  const now = clock.now();
  const age = Math.floor((now.getTime() - ctx.session.authenticatedAt.getTime()) / 1000);
  if (age > config.tokenMaxAuthAgeSeconds) {
    throw new ForbiddenError('sign_in_too_old', `signed in ${age} s ago; tokens need a sign-in within ${config.tokenMaxAuthAgeSeconds} s`, { fields: { maxAuthAgeSeconds: config.tokenMaxAuthAgeSeconds } });
  }
  // The signer first: if keys cannot be had (store down, DATA_KEYS wrong) nothing is claimed.
  const { key, privateKey } = await currentSigner(deps);
  const jti = randomId(deps.random, 16);
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + config.tokenTtlSeconds;
  // The claim lives until the token expires AND the sign-in is too old to exchange again, so a
  // TTL sweep (a real mongod's) can never make room for a second token of the same sign-in.
  const claimUntil = Math.max(exp * 1000, ctx.session.authenticatedAt.getTime() + (config.tokenMaxAuthAgeSeconds + 1) * 1000);
  if (!(await deps.store.tokens.claimIssue({ id: `${ctx.session.id}:${req.audience}`, jti, userId: ctx.session.userId, audience: req.audience, expiresAt: new Date(claimUntil) }))) {
    throw new ConflictError('token_already_issued', `session already exchanged for audience ${req.audience}`);
  }
  const token = await new SignJWT({ auth_time: Math.floor(ctx.session.authenticatedAt.getTime() / 1000), amr: ctx.session.amr, acr: ctx.session.acr, ...(req.txn !== undefined ? { txn: req.txn } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(config.tokenIssuer)
    .setSubject(ctx.session.userId)
    .setAudience(req.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(privateKey);
  await recordEvent(deps, { type: 'token.issued', outcome: 'success', userId: ctx.session.userId, ip: ctx.ip, data: { jti, audience: req.audience, kid: key.kid, acr: ctx.session.acr, ...(req.txn !== undefined ? { txn: req.txn } : {}) } });
  return { token, expiresIn: config.tokenTtlSeconds, jti };
}
