/**
 * #/enrol: an account with a password but no second factor yet (right after "Create an
 * account with a password", or a password sign-in answered `next: ["enrol"]`). It must add
 * one before it is signed in: a security key or passkey (the normal registration with the
 * same username, which keygate allows for this enrolment session) or an authenticator app
 * (totp-setup.ts). Either one, once verified, signs the user in; then the account page.
 */
import type { AppContext, Page } from '../app-context.js';
import { register } from '../ceremonies.js';
import { h, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { inlineError } from './inline-error.js';
import { totpSetup } from './totp-setup.js';

export function renderEnrol(ctx: AppContext): Page {
  const username = ctx.pending!.username;
  const choice = authenticatorChoice('enrol');
  const keyError = inlineError('enrol-key-error');
  const keyForm = h('form', { novalidate: true, 'data-testid': 'enrol-key-form' },
    choice.element,
    keyError.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'enrol-key-submit' }, 'Add security key or passkey')),
  );
  const totp = totpSetup({ prefix: 'enrol', guard: (call) => call(), confirmed: () => ctx.signedIn({}, 'with your password and authenticator app') });
  const totpStart = h('button', { type: 'button', class: 'secondary', 'data-testid': 'enrol-totp-start' }, 'Set up authenticator app');
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'enrol-cancel' }, 'Cancel and sign out');
  const root = h('div', {},
    h('section', { class: 'card', 'aria-labelledby': 'enrol-title' },
      h('h1', { id: 'enrol-title', tabindex: '-1' }, 'Add a second factor'),
      h('p', { 'data-testid': 'enrol-user' }, `Your password for ${username} is set. A password alone is not enough here: add a second way to prove it is you, and you are signed in.`),
    ),
    h('section', { class: 'card', 'aria-labelledby': 'enrol-key-title' },
      h('h2', { id: 'enrol-key-title' }, 'Security key or passkey (recommended)'),
      keyForm,
    ),
    h('section', { class: 'card', 'aria-labelledby': 'enrol-totp-title' },
      h('h2', { id: 'enrol-totp-title' }, 'Authenticator app'),
      h('p', {}, 'A 6-digit code from an app on your phone, typed after your password.'),
      h('div', { class: 'actions' }, totpStart),
      totp.element,
    ),
    h('div', { class: 'actions' }, cancel),
  );

  keyForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    keyError.clear();
    void whileBusy(root, async () => {
      announce('Follow your browser\'s prompt: touch your security key, or confirm with this device.', 'busy');
      try {
        const reply = await register({ username, ...choice.read() }, `Second factor for ${username}`);
        await ctx.signedIn({}, `with your password and "${reply.credential.name}"`);
      } catch (err) {
        keyError.show(err);
      }
    });
  });
  totpStart.addEventListener('click', () => void whileBusy(root, () => totp.start()));
  cancel.addEventListener('click', () => {
    void whileBusy(root, async () => {
      await ctx.abandonSignIn();
      announce('Signed out. Your account exists: sign in with your password to add a second factor.', 'info');
    });
  });
  return { title: 'Add a second factor', element: root };
}
