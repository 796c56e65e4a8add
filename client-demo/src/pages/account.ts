/**
 * Account security page: what this sign-in proved (amr/acr), a prominent notice after a
 * recovery-code sign-in (add a new key; codes left), the sign-in methods (password,
 * authenticator app, SMS/email codes, recovery codes: sign-in-methods.ts, which warns when
 * SMS/email codes are the only second factor), every credential of the user
 * (credential-card.ts) and "Add another", which runs a registration for the signed-in
 * username (keygate adds the credential to this account; excludeCredentials stop a key
 * from being registered twice), and, when keygate issues tokens, "Tokens for integrators"
 * (token-section.ts), "Sign out everywhere else" (sessions-section.ts) and the user's recent
 * activity (activity-section.ts). With APPROVAL=true, "Sign-in requests" (approvals-panel.ts)
 * shows other devices' sign-ins waiting for this user's approval, live; `focusApprovals`
 * (the `#approvals` link of keygate's message) moves focus there. Not signed in (401) sends the user to Sign in. Changes
 * are sensitive: after `step_up_required` the user confirms it is them and the change is
 * retried (withStepUp).
 */
import { ApiError, api } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { register } from '../ceremonies.js';
import { fact, h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { amrLabel, when } from '../format.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { credentialCard } from './credential-card.js';
import { recoveryNotice } from './recovery-notice.js';
import { signInMethods } from './sign-in-methods.js';
import { activitySection } from './activity-section.js';
import { approvalsPanel } from './approvals-panel.js';
import { sessionsSection } from './sessions-section.js';
import { tokenSection } from './token-section.js';

export function renderAccount(ctx: AppContext, opts: { focusApprovals?: boolean } = {}): Page {
  const me = ctx.me!;
  const list = h('ul', { class: 'credential-list', 'aria-labelledby': 'credentials-title', 'data-testid': 'credential-list' }, h('li', {}, 'Loading…'));
  const listTitle = h('h2', { id: 'credentials-title', tabindex: '-1' }, 'Your security keys and passkeys');
  const choice = authenticatorChoice('add');
  const addForm = h('form', { novalidate: true, 'data-testid': 'add-form' },
    choice.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'add-submit' }, 'Add security key or passkey')),
  );
  const signedOut = async () => {
    await ctx.refreshSession();
    announce('Your session has ended. Please sign in again.', 'error');
    ctx.navigate('sign-in');
  };
  const notice = me.session.recovery || ctx.recoveryNotice ? recoveryNotice(ctx.recoveryNotice?.remaining, () => addForm.querySelector<HTMLInputElement>('input')?.focus()) : undefined;
  const methods = signInMethods({ username: me.user.username, passwordLogin: ctx.passwordLogin, loaded: (f) => notice?.remaining(f.recoveryCodes.remaining), signedOut, addKey: () => addForm.querySelector<HTMLInputElement>('input')?.focus() });
  const activity = activitySection({ signedOut });
  const approvals = approvalsPanel({ signedOut });
  const tokens = tokenSection({ audiences: ctx.tokenAudiences, username: me.user.username, refreshSession: () => ctx.refreshSession(), signedOut });
  const s = me.session;
  const root = h('div', {},
    h('section', { class: 'card', 'aria-labelledby': 'account-title' },
      h('h1', { id: 'account-title', tabindex: '-1' }, 'Account security'),
      h('p', { 'data-testid': 'account-user' }, `Signed in as ${me.user.displayName} (${me.user.username}).`),
      h('p', { 'data-testid': 'session-proof' }, `This sign-in proved: ${amrLabel(s.amr, s.acr)}.`),
      h('dl', { class: 'facts' },
        fact('Assurance level (acr)', s.acr ?? 'not reported', 'session-acr'),
        fact('Signed in', when(s.authenticatedAt)),
      ),
    ),
    notice?.element,
    approvals.element,
    methods.element,
    h('section', { 'aria-labelledby': 'credentials-title' }, listTitle, list),
    h('section', { class: 'card', 'aria-labelledby': 'add-title' },
      h('h2', { id: 'add-title' }, 'Add another security key or passkey'),
      h('p', {}, 'Keep a second way to sign in in case you lose one.'),
      addForm,
    ),
    tokens,
    sessionsSection({ signedOut }),
    activity.element,
  );

  async function load(focusList: boolean): Promise<void> {
    try {
      const { credentials } = await api.credentials();
      const currentId = ctx.me?.session.credentialId;
      replaceChildren(list, credentials.length === 0
        ? h('li', {}, 'No security keys or passkeys.')
        : credentials.map((c) => credentialCard(c, { current: c.id === currentId, username: me.user.username, onChanged: async () => {
            await ctx.refreshSession();
            await Promise.all([load(true), methods.load(false), activity.load()]);
          } })));
      list.dataset.loaded = String(Date.now());
      if (focusList) listTitle.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return signedOut();
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
          { promptsAgain: true },
        );
        await ctx.refreshSession();
        await Promise.all([load(true), methods.load(false)]);
        announce(`Added "${reply.credential.name}" to your account.`, 'success');
      } catch (err) {
        const x = explain(err);
        if (!x.aborted) announce(x.message, 'error');
      }
    });
  });

  return {
    title: 'Account security',
    element: root,
    mounted: () => {
      // Not offered here (APPROVAL off): the section stays hidden and nothing is asked.
      if (ctx.approval) {
        approvals.start();
        if (opts.focusApprovals) approvals.focus();
      }
      void Promise.all([load(false), methods.load(false), activity.load()]);
    },
    dispose: () => approvals.stop(),
  };
}
