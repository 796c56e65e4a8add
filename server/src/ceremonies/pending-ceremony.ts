import { VerificationError } from '../errors/keygate-error.js';
import { randomId } from '../lib/random.js';
import type { Ceremony, CeremonyKind } from '../storage/ports.js';
import type { Deps } from '../deps.js';

/**
 * How many ceremonies one session may have pending at once (one per open tab, say: passkey
 * autofill on a sign-in page next to a registration in another tab); opening one more drops
 * the oldest.
 */
export const MAX_PENDING_CEREMONIES = 5;

/**
 * Opens a pending ceremony of the session with a fresh 32-byte challenge, valid for
 * CHALLENGE_TTL_SECONDS, beside the session's others (at most MAX_PENDING_CEREMONIES, the
 * oldest dropped). Returns the challenge and the WebAuthn `timeout` (ms) to send with the options.
 */
export async function openCeremony(
  deps: Pick<Deps, 'store' | 'clock' | 'random' | 'config'>,
  fields: Omit<Ceremony, 'challenge' | 'createdAt' | 'expiresAt'>,
): Promise<{ challenge: string; timeout: number }> {
  const challenge = randomId(deps.random, 32);
  const now = deps.clock.now();
  const timeout = deps.config.challengeTtlSeconds * 1000;
  await deps.store.ceremonies.put({ ...fields, challenge, createdAt: now, expiresAt: new Date(now.getTime() + timeout) }, MAX_PENDING_CEREMONIES);
  return { challenge, timeout };
}

/**
 * Consumes the pending ceremony the response answers, BEFORE any verification, on every path:
 * whatever happens next (success or any failure), its challenge cannot be used again. The
 * ceremony is found by the session and the challenge the response's clientDataJSON names
 * (read leniently here; the ordered checks decode it strictly later); a response naming no
 * readable challenge ends every ceremony the session had pending. When none is found, the
 * body is `validate`d first, so that a malformed one gets its own code (`invalid_request`, …).
 * `no_pending_ceremony`: none started with that challenge, already used, or expired.
 * `ceremony_mismatch`: that challenge was issued for the other kind (consumed all the same).
 */
export async function takeCeremony(
  deps: Pick<Deps, 'store' | 'clock'>,
  sessionId: string | undefined,
  kind: CeremonyKind,
  body: unknown,
  validate: (body: unknown) => unknown,
): Promise<Ceremony> {
  const challenge = claimedChallenge(body);
  if (sessionId !== undefined && challenge === undefined) await deps.store.ceremonies.discard(sessionId);
  const ceremony = sessionId === undefined || challenge === undefined ? undefined : await deps.store.ceremonies.take(sessionId, challenge, deps.clock.now());
  if (!ceremony) {
    // Nothing to answer: a malformed body is told what is wrong with it first.
    validate(body);
    throw new VerificationError('no_pending_ceremony', `no unexpired ${kind} ceremony with this challenge for this session (none started, already consumed, or expired)`);
  }
  if (ceremony.kind !== kind) {
    throw new VerificationError('ceremony_mismatch', `that challenge was issued for ${ceremony.kind}, this endpoint finishes ${kind}`);
  }
  return ceremony;
}

/** `response.clientDataJSON`'s `challenge`, if the body has one that can be read; never throws. */
function claimedChallenge(body: unknown): string | undefined {
  const encoded = (body as { response?: { clientDataJSON?: unknown } } | null)?.response?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 8192) return undefined;
  try {
    const challenge: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))?.challenge;
    return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 128 ? challenge : undefined;
  } catch {
    return undefined;
  }
}
