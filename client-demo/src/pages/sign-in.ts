/**
 * Sign-in page: three ways in without a password, and one with.
 *  1. username + "Use security key or passkey" (allowCredentials = that account's keys);
 *  2. "Sign in with a passkey": usernameless, the authenticator offers its discoverable
 *     credentials and its userHandle says whose they are;
 *  3. passkey autofill, started as soon as the page is shown (see autofill.ts);
 *  4. where keygate enables passwords (GET /session `passwordLogin`): "Sign in with
 *     password", then a second factor on #/second-step (or #/enrol when the account has none).
 * A button press cancels autofill first and restarts it if the button's ceremony fails,
 * so the autofill list keeps working after a cancelled prompt.
 */
import type { AuthenticationReply, UserVerification } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { createAutofill } from '../autofill.js';
import { signIn } from '../ceremonies.js';
import { h, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { uvSelect } from './authenticator-choice.js';
import { passwordForm } from './password-form.js';

export function renderSignIn(ctx: AppContext): Page {
  const username = h('input', {
    type: 'text',
    id: 'signin-username',
    name: 'username',
    autocomplete: 'username webauthn',
    autocapitalize: 'none',
    spellcheck: 'false',
    'aria-describedby': 'signin-username-hint',
    'data-testid': 'signin-username',
  });
  const uv = uvSelect('signin-uv');
  const form = h('form', { 'data-testid': 'sign-in-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: 'signin-username' }, 'Username'),
      h('p', { class: 'hint', id: 'signin-username-hint' }, 'Your browser may also offer your passkeys in this field.'),
      username,
    ),
    uv,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'sign-in-username' }, 'Use security key or passkey')),
  );
  const passkeyButton = h('button', { type: 'button', class: 'secondary', 'aria-describedby': 'passkey-hint', 'data-testid': 'sign-in-passkey' }, 'Sign in with a passkey');
  const password = ctx.passwordLogin && passwordForm({
    prefix: 'password',
    submitLabel: 'Sign in with password',
    before: () => autofill.cancel(),
    failed: (code) => {
      if (code === 'password_login_disabled') void ctx.refreshSession().then(() => ctx.navigate('sign-in'));
      else if (!disposed) autofill.start();
    },
    accepted: (name, next) => ctx.passwordAccepted(name, next),
  });
  const card = h('section', { class: 'card', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in'),
    h('p', {}, ctx.passwordLogin ? 'Use your security key or passkey, or your password and a second factor.' : 'Use your security key or passkey. There is no password.'),
    form,
    h('p', { class: 'or' }, 'or'),
    h('div', { class: 'actions' }, passkeyButton),
    h('p', { class: 'hint', id: 'passkey-hint' }, 'Pick a passkey saved on this device or your phone. No username needed.'),
    h('p', { class: 'after-actions' }, 'New here? ', h('a', { href: '#/register' }, 'Create an account'), '.'),
  );
  const root = h('div', {},
    card,
    password && h('section', { class: 'card', 'aria-labelledby': 'password-title' },
      h('h2', { id: 'password-title' }, 'Sign in with password'),
      h('p', { class: 'hint' }, 'After your password you confirm with your security key, an authenticator-app code or a recovery code.'),
      password,
    ),
  );

  let disposed = false;
  const done = (reply: AuthenticationReply, how: string) => ctx.signedIn(reply, how);
  const autofill = createAutofill(form, {
    signedIn: (reply) => void done(reply, 'with a passkey from autofill'),
    error: (err) => announce(explain(err).message, 'error'),
  });
  const userVerification = () => (uv.querySelector('select')!.value as UserVerification);

  /** Runs one button ceremony: autofill cancelled first, restarted if this one fails. */
  async function attempt(run: () => Promise<AuthenticationReply>, how: string): Promise<void> {
    await whileBusy(card, async () => {
      announce('Waiting for your security key or passkey. Follow your browser\'s prompt.', 'busy');
      await autofill.cancel();
      try {
        const reply = await run();
        await done(reply, how);
      } catch (err) {
        const x = explain(err);
        if (!x.aborted) announce(x.message, 'error');
        if (!disposed) autofill.start();
      }
    });
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = username.value.trim();
    if (!name) {
      username.setAttribute('aria-invalid', 'true');
      announce('Enter your username, or use "Sign in with a passkey".', 'error');
      username.focus();
      return;
    }
    username.removeAttribute('aria-invalid');
    void attempt(() => signIn({ username: name, userVerification: userVerification() }, `Sign-in as ${name}`), 'with your security key');
  });
  passkeyButton.addEventListener('click', () => {
    void attempt(() => signIn({ userVerification: userVerification() }, 'Sign-in with a passkey (usernameless)'), 'with a passkey');
  });

  return {
    title: 'Sign in',
    element: root,
    mounted: () => autofill.start(),
    dispose: async () => {
      disposed = true;
      await autofill.cancel();
    },
  };
}
