/**
 * Account security page: every credential of the signed-in user (credential-card.ts) and
 * "Add another", which runs a registration for the signed-in username (keygate then adds
 * the credential to this account, and its excludeCredentials stop an already registered
 * key from being registered twice). Not signed in (401) sends the user to Sign in. Adding
 * and removing are sensitive: after `step_up_required` the user confirms with a sign-in
 * and the change is retried (withStepUp).
 */
import { ApiError, api } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { register, withStepUp } from '../ceremonies.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { credentialCard } from './credential-card.js';

export function renderAccount(ctx: AppContext): Page {
  const me = ctx.me!;
  const list = h('ul', { class: 'credential-list', 'aria-labelledby': 'credentials-title', 'data-testid': 'credential-list' }, h('li', {}, 'Loading…'));
  const listTitle = h('h2', { id: 'credentials-title', tabindex: '-1' }, 'Your security keys and passkeys');
  const choice = authenticatorChoice('add');
  const addForm = h('form', { novalidate: true, 'data-testid': 'add-form' },
    choice.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'add-submit' }, 'Add security key or passkey')),
  );
  const root = h('div', {},
    h('section', { class: 'card', 'aria-labelledby': 'account-title' },
      h('h1', { id: 'account-title', tabindex: '-1' }, 'Account security'),
      h('p', { 'data-testid': 'account-user' }, `Signed in as ${me.user.displayName} (${me.user.username}).`),
    ),
    h('section', { 'aria-labelledby': 'credentials-title' }, listTitle, list),
    h('section', { class: 'card', 'aria-labelledby': 'add-title' },
      h('h2', { id: 'add-title' }, 'Add another security key or passkey'),
      h('p', {}, 'Keep a second way to sign in in case you lose one.'),
      addForm,
    ),
  );

  async function load(focusList: boolean): Promise<void> {
    try {
      const { credentials } = await api.credentials();
      const currentId = ctx.me?.session.credentialId;
      replaceChildren(list, credentials.length === 0
        ? h('li', {}, 'No security keys or passkeys.')
        : credentials.map((c) => credentialCard(c, { current: c.id === currentId, username: me.user.username, onChanged: async () => {
            await ctx.refreshSession();
            await load(true);
          } })));
      list.dataset.loaded = String(Date.now());
      if (focusList) listTitle.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await ctx.refreshSession();
        announce('Your session has ended. Please sign in again.', 'error');
        ctx.navigate('sign-in');
        return;
      }
      replaceChildren(list, h('li', {}, 'Could not load your keys.'));
      announce(explain(err).message, 'error');
    }
  }

  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void whileBusy(addForm, async () => {
      announce('Follow your browser\'s prompt: touch your new security key, or confirm with this device.', 'busy');
      try {
        const reply = await withStepUp(me.user.username, () =>
          register({ username: me.user.username, displayName: me.user.displayName, ...choice.read() }, `Add another key for ${me.user.username}`),
        );
        await ctx.refreshSession();
        await load(true);
        announce(`Added "${reply.credential.name}" to your account.`, 'success');
      } catch (err) {
        const x = explain(err);
        if (!x.aborted) announce(x.message, 'error');
      }
    });
  });

  return { title: 'Account security', element: root, mounted: () => void load(false) };
}
