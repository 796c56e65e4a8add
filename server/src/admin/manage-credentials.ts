import type { Deps } from '../deps.js';
import { NotFoundError } from '../errors/keygate-error.js';
import { recordEvent } from '../audit/record-event.js';
import type { StoredCredential, User } from '../storage/ports.js';

/**
 * What an administrator does to any user's credential (issue 8 point 5). Every action is
 * audited with the administrator (`data.by`) and the credential's owner (`userId`). Contract:
 * - disable: the credential cannot sign in (CredentialStore.recordUse refuses it atomically)
 *   and every session signed in with it ends; `disabledBy: admin` keeps re-evaluation from
 *   re-enabling it;
 * - enable: clears any disable, an administrator's or policy's (if policy still refuses the
 *   credential, the next sign-in or re-evaluation refuses it again);
 * - clear the possibly-cloned flag after review: the key may sign in again; its counter
 *   continues from the stored value (a clone that is still out there is caught again);
 * - delete: the credential is gone and its sessions end. An administrator may delete a user's
 *   last key (the user then needs a recovery link).
 * An unknown id is 404 `credential_not_found`.
 */
export type AdminCredentialAction = 'disable' | 'enable' | 'clear_clone_flag' | 'delete';

export async function adminCredentialAction(
  deps: Deps,
  admin: User,
  credentialId: string,
  action: AdminCredentialAction,
  reason?: string,
): Promise<StoredCredential | undefined> {
  const credential = await deps.store.credentials.findById(credentialId);
  if (!credential) throw new NotFoundError('credential_not_found', `no credential ${credentialId}`);
  const now = deps.clock.now();
  let changed = true;
  let ended = 0;
  if (action === 'disable') {
    changed = await deps.store.credentials.setDisabled(credentialId, true, { by: 'admin', reason: reason ?? 'disabled by an administrator', at: now });
    ended = await deps.store.sessions.deleteByCredential(credentialId);
  } else if (action === 'enable') {
    changed = await deps.store.credentials.setDisabled(credentialId, false);
  } else if (action === 'clear_clone_flag') {
    changed = await deps.store.credentials.clearPossiblyCloned(credentialId);
  } else {
    changed = await deps.store.credentials.deleteAny(credentialId);
    ended = await deps.store.sessions.deleteByCredential(credentialId);
  }
  if (!changed && action === 'delete') throw new NotFoundError('credential_not_found', `credential ${credentialId} was deleted meanwhile`);
  await recordEvent(deps, {
    type: `admin.credential_${action === 'clear_clone_flag' ? 'clone_flag_cleared' : `${action}d`}`,
    outcome: 'success',
    userId: credential.userId,
    credentialId,
    data: { by: admin.id, changed, ...(ended ? { sessionsEnded: ended } : {}), ...(reason ? { reason } : {}) },
  });
  return action === 'delete' ? undefined : deps.store.credentials.findById(credentialId);
}
