import type { Deps } from '../deps.js';
import { randomId } from '../lib/random.js';
import { usableCredential } from '../policy/credential-usability.js';
import { deriveSignInProof, type ProvenFactor } from '../policy/sign-in-proof.js';
import type { Session } from '../storage/ports.js';

/**
 * Browser sessions. A session id is 32 random bytes carried in a signed, HttpOnly cookie.
 * An anonymous session exists only as that id (it keys the pending ceremony); signing in
 * stores a `Session` record under a NEW id (rotation, against session fixation) and
 * drops the old one.
 */
export function newSessionId(deps: Pick<Deps, 'random'>): string {
  return randomId(deps.random, 32);
}

/**
 * The signed-in session for `sessionId`, or `undefined`. A session signed in with a
 * credential that has since been removed, or may no longer be used
 * (policy/credential-usability.ts: disabled, flagged as possibly cloned), is ended
 * here, on its next request: this closes the race where a sign-in finishing during the
 * credential's removal creates its session after the removal ended the others.
 */
export async function currentSession(deps: Pick<Deps, 'store' | 'clock'>, sessionId: string | undefined): Promise<Session | undefined> {
  if (sessionId === undefined) return undefined;
  const session = await deps.store.sessions.get(sessionId, deps.clock.now());
  if (!session?.credentialId || (await usable(deps, session))) return session;
  // Read again: removing a key detaches the remover's own session BEFORE deleting the
  // credential, so a session still tied to a missing credential now is truly stale.
  const again = await deps.store.sessions.get(sessionId, deps.clock.now());
  if (!again?.credentialId || (await usable(deps, again))) return again;
  await deps.store.sessions.delete(sessionId);
  return undefined;
}

async function usable(deps: Pick<Deps, 'store'>, session: Session): Promise<boolean> {
  const c = await deps.store.credentials.findById(session.credentialId!);
  return c !== undefined && c.userId === session.userId && usableCredential(c);
}

/**
 * Signs a user in: a new session record under a fresh id, recording what the sign-in proved
 * (`amr`/`acr` from policy/sign-in-proof.ts, derived from the verified `factors`) and when.
 * The previous id is invalidated, with any half sign-in or session it held (half sign-ins
 * exist only with PASSWORD_LOGIN on, so only then is one looked for).
 */
export async function signIn(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config'>,
  previousSessionId: string | undefined,
  facts: { userId: string; credentialId?: string; factors: ProvenFactor[] },
): Promise<Session> {
  const now = deps.clock.now();
  const { amr, acr } = deriveSignInProof(facts.factors);
  const session: Session = {
    id: newSessionId(deps),
    userId: facts.userId,
    credentialId: facts.credentialId,
    amr,
    acr,
    authenticatedAt: now,
    ...(facts.factors.some((f) => f.kind === 'recovery_code') ? { recovery: true } : {}),
    expiresAt: new Date(now.getTime() + deps.config.sessionTtlSeconds * 1000),
  };
  // One store operation: the new session is written, then the old id stops reading as one.
  await deps.store.sessions.rotate(session, previousSessionId);
  if (previousSessionId !== undefined && deps.config.passwordLogin) await deps.store.signInAttempts.delete(previousSessionId);
  return session;
}

/** Ends the session and any half sign-in under its id. */
export async function signOut(deps: Pick<Deps, 'store' | 'config'>, sessionId: string | undefined): Promise<void> {
  if (sessionId === undefined) return;
  await deps.store.sessions.delete(sessionId);
  if (deps.config.passwordLogin) await deps.store.signInAttempts.delete(sessionId);
}
