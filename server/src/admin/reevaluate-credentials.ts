import type { Deps } from '../deps.js';
import { recordEvent } from '../audit/record-event.js';
import { evaluateAssertion } from '../policy/credential-policy.js';
import type { StoredCredential, User } from '../storage/ports.js';

/** Credentials read per store round trip while re-evaluating. */
const PAGE = 200;
/** Lock name and lifetime: one instance re-evaluates at a time. */
const LOCK = 'reevaluate-credentials';
const LOCK_TTL_MS = 10 * 60_000;

export interface ReevaluationResult {
  checked: number;
  disabled: number;
  reenabled: number;
  /** Another instance held the lock: it is doing the same work. */
  skipped?: true;
}

/**
 * Re-evaluation (issue 8 point 4): every credential against its owner's role policy and its
 * model's MDS3 status as this instance now knows them. Runs at start (a policy file may have
 * changed) and whenever the BLOB in use changes (on every instance: each adopts a newer BLOB
 * from the store). Contract:
 * - a credential that no longer satisfies the policy (the rules an assertion re-checks,
 *   policy/credential-policy.ts `evaluateAssertion` with scope `credential`) and is enabled
 *   is disabled with `disabledBy: policy` and the rule as reason, every session signed in
 *   with it ends, and `credential.disabled_by_policy` is audited;
 * - a credential that policy disabled and that satisfies the policy again (a BLOB that lifts
 *   a status, a relaxed policy) is re-enabled (`credential.reenabled_by_policy`); one an
 *   administrator disabled is never touched;
 * - idempotent: a second run changes nothing and audits nothing. Instances serialise on a
 *   store lock; one that finds it held skips (the holder does the same work), so the same
 *   change is not audited twice.
 * `signal` (shutdown) stops the walk between pages; the lock is released.
 */
export async function reevaluateCredentials(deps: Deps, opts: { signal?: AbortSignal } = {}): Promise<ReevaluationResult> {
  const token = await deps.store.locks.acquire(LOCK, LOCK_TTL_MS, deps.clock.now());
  if (!token) return { checked: 0, disabled: 0, reenabled: 0, skipped: true };
  const result: ReevaluationResult = { checked: 0, disabled: 0, reenabled: 0 };
  const owners = new Map<string, User | undefined>();
  try {
    let after: string | undefined;
    // A shutting-down process stops between pages (the next run, on any instance, finishes the work).
    while (!opts.signal?.aborted) {
      const page = await deps.store.credentials.scan(after, PAGE);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      for (const c of page) {
        result.checked++;
        if (!owners.has(c.userId)) owners.set(c.userId, await deps.store.users.findById(c.userId));
        const owner = owners.get(c.userId);
        if (!owner) continue; // an orphan never signs in (finish-registration.ts)
        await reevaluateOne(deps, c, owner, result);
      }
    }
  } finally {
    await deps.store.locks.release(LOCK, token);
  }
  if (result.disabled || result.reenabled) deps.logger.warn({ ...result }, 'credentials re-evaluated: some changed');
  return result;
}

async function reevaluateOne(deps: Deps, c: StoredCredential, owner: User, result: ReevaluationResult): Promise<void> {
  const now = deps.clock.now();
  const verdict = evaluateAssertion(deps.policies.forRole(owner.role), c, { userVerified: true }, deps.trust.metadataStatus(c.aaguid, now));
  if (!verdict.ok && !c.disabled) {
    const reason = `${verdict.rule}: ${verdict.detail}`;
    if (!(await deps.store.credentials.setDisabled(c.id, true, { by: 'policy', reason, at: now }))) return;
    const ended = await deps.store.sessions.deleteByCredential(c.id);
    result.disabled++;
    await recordEvent(deps, { type: 'credential.disabled_by_policy', outcome: 'success', userId: c.userId, credentialId: c.id, code: 'policy_violation', data: { rule: verdict.rule, detail: verdict.detail, sessionsEnded: ended } });
  } else if (verdict.ok && c.disabled && c.disabledBy === 'policy') {
    if (!(await deps.store.credentials.setDisabled(c.id, false, undefined, { onlyIfDisabledBy: 'policy' }))) return;
    result.reenabled++;
    await recordEvent(deps, { type: 'credential.reenabled_by_policy', outcome: 'success', userId: c.userId, credentialId: c.id });
  }
}

/**
 * Wires re-evaluation to the metadata service: after every change of the BLOB in use. Errors
 * are logged, never thrown (the metadata service awaits its listeners).
 */
export function reevaluateOnMetadataChange(deps: Deps): void {
  deps.metadata.onChange(async () => {
    try {
      await reevaluateCredentials(deps);
    } catch (err) {
      deps.logger.error({ err }, 're-evaluating credentials after an MDS3 change failed');
    }
  });
}
