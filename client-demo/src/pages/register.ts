/**
 * Register page: a new account is a username, an optional display name and its first
 * security key or passkey. keygate creates the account only when the ceremony verifies,
 * and signs the new user in. (A taken username is refused: `username_taken`.) Where
 * keygate enables passwords, a second card creates an account with a password instead
 * (password-signup.ts), which then must enrol a second factor (#/enrol).
 */
import type { AppContext, Page } from '../app-context.js';
import { register } from '../ceremonies.js';
import { h, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { passwordSignup } from './password-signup.js';

export function renderRegister(ctx: AppContext): Page {
  const username = h('input', { type: 'text', id: 'register-username', name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '64', 'aria-describedby': 'register-username-hint', 'data-testid': 'register-username' });
  const displayName = h('input', { type: 'text', id: 'register-display-name', name: 'displayName', autocomplete: 'name', maxlength: '64', 'aria-describedby': 'register-display-name-hint', 'data-testid': 'register-display-name' });
  const choice = authenticatorChoice('register');
  const form = h('form', { novalidate: true, 'data-testid': 'register-form' },
    h('div', { class: 'field' },
      h('label', { for: 'register-username' }, 'Username'),
      h('p', { class: 'hint', id: 'register-username-hint' }, '1 to 64 characters. Not case-sensitive.'),
      username,
    ),
    h('div', { class: 'field' },
      h('label', { for: 'register-display-name' }, 'Display name (optional)'),
      h('p', { class: 'hint', id: 'register-display-name-hint' }, 'How your authenticator lists this account, e.g. your full name.'),
      displayName,
    ),
    choice.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'register-submit' }, 'Create account')),
  );
  const root = h('section', { class: 'card', 'aria-labelledby': 'register-title' },
    h('h1', { id: 'register-title', tabindex: '-1' }, 'Create an account'),
    h('p', {}, 'Your account is protected by a security key or passkey instead of a password.'),
    form,
    h('p', { class: 'after-actions' }, 'Already registered? ', h('a', { href: '#/sign-in' }, 'Sign in'), '.'),
  );

  const element = h('div', {}, root, ctx.passwordLogin && passwordSignup({ accepted: (name, next) => ctx.passwordAccepted(name, next) }));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = username.value.trim();
    if (!name) {
      username.setAttribute('aria-invalid', 'true');
      announce('Enter a username.', 'error');
      username.focus();
      return;
    }
    username.removeAttribute('aria-invalid');
    void whileBusy(root, async () => {
      announce('Follow your browser\'s prompt: touch your security key, or confirm with this device.', 'busy');
      try {
        const before = ctx.me?.user.id;
        const reply = await register({ username: name, displayName: displayName.value.trim() || undefined, ...choice.read() }, `Registration of ${name}`);
        await ctx.refreshSession();
        announce(
          before === reply.userId
            ? `${reply.credential.name} was added to your account.`
            : `Account created: you are signed in as ${ctx.me?.user.username ?? name}, with "${reply.credential.name}".`,
          'success',
        );
        ctx.navigate('account');
      } catch (err) {
        const x = explain(err);
        if (!x.aborted) announce(x.message, 'error');
      }
    });
  });

  return { title: 'Create an account', element };
}
