import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { NotFoundError } from '../errors/keygate-error.js';
import { openCeremony } from './pending-ceremony.js';
import { allowedExtensions } from '../policy/client-extensions.js';
import { normalizeUsername } from '../policy/username.js';
import type { UserVerificationRequirement } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/** ServerPublicKeyCredentialGetOptionsRequest (FIDO2 server profile §7.4.1). */
export interface StartAuthenticationInput {
  /** Empty or absent: usernameless sign-in with a discoverable credential. */
  username?: string;
  userVerification?: UserVerificationRequirement;
  extensions?: Record<string, unknown>;
}

/**
 * Starts an authentication (WebAuthn §7.2 steps 1-3 on the RP side). By username,
 * allowCredentials lists that user's credentials that may sign in (not disabled, not flagged
 * as possibly cloned); without one it is empty and the
 * authenticator offers its discoverable credentials. The pending ceremony remembers the
 * user and the ids it offered, so finishing can insist on them.
 */
export async function startAuthentication(
  deps: Deps,
  ctx: { sessionId: string },
  input: StartAuthenticationInput,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  let userId: string | undefined;
  let allow: { id: string; transports: string[] }[] = [];
  if (input.username !== undefined && input.username.trim() !== '') {
    const username = normalizeUsername(input.username);
    const user = await deps.store.users.findByUsername(username);
    if (!user) throw new NotFoundError('unknown_user', 'No account with that username.', `username ${username}`);
    allow = (await deps.store.credentials.listByUser(user.id)).filter((c) => !c.disabled && !c.possiblyCloned);
    if (allow.length === 0) throw new NotFoundError('no_credentials', 'This account has no security key or passkey that can sign in.', `user ${user.id} has no enabled credential`);
    userId = user.id;
  }
  const userVerification = input.userVerification ?? 'preferred';
  const { challenge, timeout } = await openCeremony(deps, {
    id: ctx.sessionId,
    kind: 'authentication',
    userVerification,
    userId,
    allowCredentialIds: userId === undefined ? undefined : allow.map((c) => c.id),
  });
  return {
    challenge,
    timeout,
    rpId: deps.config.rpId,
    allowCredentials: allow.map((c) => ({ id: c.id, type: 'public-key', transports: c.transports as never })),
    userVerification,
    extensions: allowedExtensions('authentication', input.extensions) as never,
  };
}
