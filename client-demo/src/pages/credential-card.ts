/**
 * One credential on the account page: what keygate knows about it in plain words (the
 * model marked "(claimed)" unless keygate trusted its attestation, else "✓ verified"), a
 * "possibly cloned" warning when its signature counter once went backwards, and the two
 * actions. Rename and remove happen inline (no window.confirm): Rename opens a small form,
 * Remove asks for confirmation in place. keygate decides whether a removal is allowed
 * (`last_factor`: never the last way to sign in); the card only reports the outcome through `onChanged`/`announce`.
 */
import { api, type CredentialView } from '../api.js';
import { fact, h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { kindLabel, transportsLabel, when } from '../format.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';

export interface CardOptions {
  /** The credential that signed this session in, if any. */
  current: boolean;
  /** The signed-in username: removing may need a step-up sign-in as them. */
  username: string;
  /** After a successful rename/remove, before announcing it: reload the list (focus goes to the list heading). */
  onChanged(): Promise<void>;
}

export function credentialCard(c: CredentialView, opts: CardOptions): HTMLElement {
  const titleId = `cred-${c.id}-name`;
  const yes = (b: boolean | null) => (b === null ? 'Unknown' : b ? 'Yes' : 'No');
  const inline = h('div', { class: 'inline-form' });
  const renameButton = h('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId, 'aria-expanded': 'false', 'data-testid': 'credential-rename' }, 'Rename');
  const removeButton = h('button', { type: 'button', class: 'danger', 'aria-describedby': titleId, 'data-testid': 'credential-remove' }, 'Remove');
  const card = h('li', { class: 'card credential', 'aria-labelledby': titleId, 'data-testid': 'credential', 'data-credential-id': c.id },
    h('header', {},
      h('h3', { id: titleId, 'data-testid': 'credential-name' }, c.name),
      h('div', { class: 'badges' },
        opts.current && h('span', { class: 'badge current' }, 'Used for this sign-in'),
        c.possiblyCloned && h('span', { class: 'badge alert', 'data-testid': 'credential-cloned' }, 'Possibly cloned'),
        c.disabled && h('span', { class: 'badge alert' }, 'Disabled'),
      ),
    ),
    c.possiblyCloned &&
      h('p', { class: 'warning' }, 'This key once reported a signature counter lower than before, so it may have been copied. That sign-in was refused and the key is now blocked: it can no longer sign in. Remove it, and if you still have the key, register it again as a new key.'),
    h('dl', { class: 'facts' },
      fact('Kind', kindLabel(c.kind), 'credential-kind'),
      fact('Model', modelFact(c)),
      fact('Connects by', transportsLabel(c.transports), 'credential-transports'),
      fact('Added', when(c.createdAt)),
      fact('Last used', when(c.lastUsedAt), 'credential-last-used'),
      fact('Signature counter', String(c.counter), 'credential-counter'),
      fact('Signs in without username', yes(c.discoverable)),
      fact('Verified you when added', c.userVerified ? 'Yes (PIN or biometric)' : 'No (touch only)'),
      c.backupEligible ? fact('Backed up', yes(c.backedUp)) : [],
      fact('Attestation', c.fmt, 'credential-fmt'),
    ),
    h('div', { class: 'actions' }, renameButton, removeButton),
    inline,
  );

  const close = (focus: HTMLElement) => {
    replaceChildren(inline);
    renameButton.setAttribute('aria-expanded', 'false');
    focus.focus();
  };

  renameButton.addEventListener('click', () => {
    const inputId = `cred-${c.id}-new-name`;
    const input = h('input', { type: 'text', id: inputId, value: c.name, maxlength: '64', required: true, 'data-testid': 'credential-new-name' });
    const form = h('form', { novalidate: true },
      h('div', { class: 'field' }, h('label', { for: inputId }, 'New name'), input),
      h('div', { class: 'actions' },
        h('button', { type: 'submit', 'data-testid': 'credential-rename-save' }, 'Save name'),
        h('button', { type: 'button', class: 'secondary', onclick: () => close(renameButton) }, 'Cancel'),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const name = input.value.trim();
      if (!name) {
        announce('Enter a name, up to 64 characters.', 'error');
        input.focus();
        return;
      }
      void whileBusy(card, async () => {
        try {
          await api.renameCredential(c.id, name);
          await opts.onChanged();
          announce(`Renamed to "${name}".`, 'success');
        } catch (err) {
          announce(explain(err).message, 'error');
        }
      });
    });
    replaceChildren(inline, form);
    renameButton.setAttribute('aria-expanded', 'true');
    input.select();
  });

  removeButton.addEventListener('click', () => {
    const promptId = `cred-${c.id}-remove-prompt`;
    const confirm = h('button', { type: 'button', class: 'danger confirm', 'aria-describedby': promptId, 'data-testid': 'credential-remove-confirm' }, 'Yes, remove it');
    confirm.addEventListener('click', () => {
      void (async () => {
        let failure: string | undefined;
        await whileBusy(card, async () => {
          try {
            await withStepUp(opts.username, () => api.removeCredential(c.id));
            await opts.onChanged();
            announce(`Removed "${c.name}". It can no longer sign in to this account.`, 'success');
          } catch (err) {
            const x = explain(err);
            if (x.aborted) return; // the user cancelled the step-up: nothing to report
            failure = x.message;
            announce(failure, 'error');
          }
        });
        if (failure === undefined) return;
        // After whileBusy re-enabled the buttons, so focus can land on Remove; the message is
        // repeated in the card, where a phone user is looking (the status box may be off screen).
        close(removeButton);
        replaceChildren(inline, h('p', { class: 'inline-error', 'data-testid': 'credential-error' }, failure));
      })();
    });
    replaceChildren(inline,
      h('p', { id: promptId }, `Remove "${c.name}"? You will no longer be able to sign in with it.`),
      h('div', { class: 'actions' }, confirm, h('button', { type: 'button', class: 'secondary', onclick: () => close(removeButton) }, 'Keep it')),
    );
    confirm.focus();
  });

  return card;
}

/**
 * The model name as a `<dd>`'s content: the name (`credential-model`), then "(claimed)" when
 * keygate did not trust the attestation (the name is only what the authenticator says it is),
 * or a "verified" mark when it did. Shared with the admin page.
 */
export function modelFact(c: Pick<CredentialView, 'model' | 'modelClaimed' | 'attestationTrusted'>): HTMLElement[] {
  return [
    h('span', { 'data-testid': 'credential-model' }, c.model ?? 'Unknown model'),
    c.modelClaimed
      ? h('span', { class: 'model-claimed', 'data-testid': 'credential-model-claimed', title: 'Not verified: its attestation was not trusted, so this is only what the authenticator claims' }, ' (claimed)')
      : h('span', { class: 'model-verified', 'data-testid': 'credential-model-verified', title: 'keygate verified its attestation certificate chain to a trusted root for this model' }, ' ✓ verified'),
  ];
}
