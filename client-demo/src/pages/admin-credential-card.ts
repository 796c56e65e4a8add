/**
 * One credential on the admin page: keygate's verdicts on it (attestation trusted or not,
 * with the source, anchor and reason; its MDS3 status; the owner's role policy now and the
 * rule it fails), why it is disabled (by an administrator or by policy), and the actions
 * disable / enable / clear the clone flag / delete (confirmed in place). Every action goes
 * through `guard` (the admin page's step-up retry) and reports through `onChanged`/`announce`.
 */
import { adminApi, type AdminCredentialAction } from '../admin-api.js';
import type { AdminCredential } from '../api.js';
import { fact, h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { kindLabel, transportsLabel, when } from '../format.js';
import { announce } from '../status.js';
import { modelFact } from './credential-card.js';

export interface AdminCardOptions {
  /** Runs an admin call, signing in again with the key first when keygate wants a fresh sign-in. */
  guard<T>(call: () => Promise<T>): Promise<T>;
  /** After a successful action, before announcing it: reload what shows this credential. */
  onChanged(): Promise<void>;
  /** The owner's username, when the card is not inside that user's detail. */
  owner?: string;
}

const SOURCES: Record<string, string> = { anchor: 'a TRUST_ANCHORS root', mds: 'an MDS3 root for its AAGUID', dev: 'the dev policy (Chrome virtual authenticator)' };

export function attestationLabel(c: AdminCredential): string {
  const a = c.attestation;
  if (!a) return 'Not evaluated (registered before keygate kept verdicts): not trusted';
  return a.trusted ? `Trusted, through ${SOURCES[a.source ?? ''] ?? a.source ?? 'an unnamed source'}` : 'Not trusted';
}

export function mdsLabel(c: AdminCredential): string {
  const m = c.mds;
  if (!m.listed) return m.refused ? 'Not listed in the MDS3 BLOB: refused' : 'Not listed in the MDS3 BLOB';
  return `${m.status ?? 'no status'}${m.effectiveDate ? ` since ${m.effectiveDate}` : ''}${m.refused ? ': refused' : ''}`;
}

export function policyLabel(c: AdminCredential): string {
  return c.policy.ok ? 'OK: satisfies its owner\'s role policy' : `Fails rule ${c.policy.rule ?? '?'}${c.policy.detail ? `: ${c.policy.detail}` : ''}`;
}

export function adminCredentialCard(c: AdminCredential, opts: AdminCardOptions): HTMLElement {
  const titleId = `admin-cred-${c.id}-name`;
  const reasonId = `admin-cred-${c.id}-reason`;
  const inline = h('div', { class: 'inline-form' });
  const reason = h('input', { type: 'text', id: reasonId, maxlength: '200', 'data-testid': 'admin-credential-reason' });
  const button = (text: string, testid: string, cls = 'secondary') => h('button', { type: 'button', class: cls, 'aria-describedby': titleId, 'data-testid': testid }, text);
  const disable = !c.disabled && button('Disable', 'admin-credential-disable');
  const enable = c.disabled && button('Enable', 'admin-credential-enable');
  const clearClone = c.possiblyCloned && button('Clear clone flag', 'admin-credential-clear-clone');
  const remove = button('Delete', 'admin-credential-delete', 'danger');
  const a = c.attestation;
  const card = h('li', { class: 'card credential admin-credential', 'aria-labelledby': titleId, 'data-testid': 'admin-credential', 'data-credential-id': c.id, 'data-trusted': String(a?.trusted === true), 'data-policy-ok': String(c.policy.ok) },
    h('header', {},
      h('h3', { id: titleId, 'data-testid': 'admin-credential-name' }, c.name),
      h('div', { class: 'badges' },
        a?.trusted ? h('span', { class: 'badge verified' }, 'Attestation trusted') : h('span', { class: 'badge' }, 'Attestation not trusted'),
        !c.policy.ok && h('span', { class: 'badge alert' }, `Policy: ${c.policy.rule ?? 'fails'}`),
        c.possiblyCloned && h('span', { class: 'badge alert' }, 'Possibly cloned'),
        c.disabled && h('span', { class: 'badge alert' }, c.disabledBy === 'policy' ? 'Disabled by policy' : c.disabledBy === 'admin' ? 'Disabled by an administrator' : 'Disabled'),
      ),
    ),
    h('dl', { class: 'facts' },
      opts.owner !== undefined ? fact('Owner', opts.owner) : [],
      fact('Kind', kindLabel(c.kind)),
      fact('Model', modelFact(c)),
      fact('AAGUID', h('code', {}, c.aaguid)),
      fact('Attestation format', c.fmt, 'admin-credential-fmt'),
      fact('Attestation', attestationLabel(c), 'admin-attestation'),
      a?.source ? fact('Trust source', a.source, 'admin-attestation-source') : [],
      a?.anchor ? fact('Anchor', a.anchor, 'admin-attestation-anchor') : [],
      a ? fact('Why', a.reason, 'admin-attestation-reason') : [],
      a?.certificateSubject ? fact('Certificate', a.certificateSubject, 'admin-attestation-certificate') : [],
      a ? fact('Evaluated', when(a.evaluatedAt)) : [],
      fact('MDS3 status', mdsLabel(c), 'admin-mds'),
      fact('Policy', policyLabel(c), 'admin-policy'),
      c.disabled ? fact('Disabled', `${c.disabledBy ? `by ${c.disabledBy}` : 'yes'}${c.disabledAt ? `, ${when(c.disabledAt)}` : ''}`, 'admin-disabled') : [],
      c.disabledReason ? fact('Reason', c.disabledReason, 'admin-disabled-reason') : [],
      fact('Connects by', transportsLabel(c.transports)),
      fact('Verified the user when added', c.userVerified ? 'Yes' : 'No'),
      fact('Backup eligible (synced)', c.backupEligible ? `Yes${c.backedUp ? ', backed up' : ''}` : 'No'),
      fact('Signature counter', String(c.counter)),
      fact('Added', when(c.createdAt)),
      fact('Last used', when(c.lastUsedAt)),
    ),
    (disable || enable) && h('div', { class: 'field' }, h('label', { for: reasonId }, 'Reason (optional, kept in the audit log)'), reason),
    h('div', { class: 'actions' }, disable, enable, clearClone, remove),
    inline,
  );

  const run = (what: string, call: () => Promise<unknown>) =>
    whileBusy(card, async () => {
      try {
        await opts.guard(call);
        await opts.onChanged();
        announce(`${what}: "${c.name}".`, 'success');
      } catch (err) {
        const x = explain(err);
        if (x.aborted) return;
        announce(x.message, 'error');
        replaceChildren(inline, h('p', { class: 'inline-error', 'data-testid': 'admin-credential-error' }, x.message));
      }
    });
  const act = (action: AdminCredentialAction, what: string) => () => void run(what, () => adminApi.credentialAction(c.id, action, reason.value.trim() || undefined));
  if (disable) disable.addEventListener('click', act('disable', 'Disabled'));
  if (enable) enable.addEventListener('click', act('enable', 'Enabled'));
  if (clearClone) clearClone.addEventListener('click', act('clear-clone-flag', 'Clone flag cleared'));
  remove.addEventListener('click', () => {
    const promptId = `admin-cred-${c.id}-delete-prompt`;
    const confirm = h('button', { type: 'button', class: 'danger confirm', 'aria-describedby': promptId, 'data-testid': 'admin-credential-delete-confirm' }, 'Yes, delete it');
    const keep = h('button', { type: 'button', class: 'secondary' }, 'Keep it');
    keep.addEventListener('click', () => {
      replaceChildren(inline);
      remove.focus();
    });
    confirm.addEventListener('click', () => void run('Deleted', () => adminApi.deleteCredential(c.id)));
    replaceChildren(inline,
      h('p', { id: promptId }, `Delete "${c.name}"? Its owner can no longer sign in with it, and its sessions end.`),
      h('div', { class: 'actions' }, confirm, keep),
    );
    confirm.focus();
  });
  return card;
}
