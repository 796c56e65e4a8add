/**
 * "Create an account with a password" (POST /signup/password {username, password,
 * displayName?}). keygate answers `next: ["enrol"]`: the new account must add a second
 * factor before it is signed in, so `accepted` hands over to the enrolment page.
 * Refusals (`username_taken`, `weak_password`: 8-128 characters and not the username,
 * `invalid_username`, `password_login_disabled`) are shown in the form.
 */
import { api, type NextStep } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export function passwordSignup(o: { accepted(username: string, next: NextStep[]): void }): HTMLElement {
  const field = (id: string, label: string, input: HTMLInputElement, hint?: string) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), hint && h('p', { class: 'hint', id: `${id}-hint` }, hint), input);
  const username = h('input', { type: 'text', id: 'signup-username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '64', 'aria-describedby': 'signup-username-hint', 'data-testid': 'signup-username' });
  const displayName = h('input', { type: 'text', id: 'signup-display-name', autocomplete: 'name', maxlength: '64', 'data-testid': 'signup-display-name' });
  const password = h('input', { type: 'password', id: 'signup-password', autocomplete: 'new-password', required: true, minlength: '8', maxlength: '128', 'aria-describedby': 'signup-password-hint', 'data-testid': 'signup-password' });
  const error = inlineError('signup-error');
  const form = h('form', { novalidate: true, 'data-testid': 'password-signup-form' },
    field('signup-username', 'Username', username, '1 to 64 characters. Not case-sensitive.'),
    field('signup-display-name', 'Display name (optional)', displayName),
    field('signup-password', 'Password', password, '8 to 128 characters, not your username. A long passphrase is best.'),
    error.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'signup-submit' }, 'Create account with password')),
  );
  const section = h('section', { class: 'card', 'aria-labelledby': 'signup-title' },
    h('h2', { id: 'signup-title' }, 'Create an account with a password'),
    h('p', {}, 'Next you add a security key or an authenticator app: a password alone never signs you in.'),
    form,
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = username.value.trim();
    if (!name || password.value.length < 8) {
      const bad = !name ? username : password;
      bad.setAttribute('aria-invalid', 'true');
      error.say(!name ? 'Enter a username.' : 'Use a password of at least 8 characters.');
      bad.focus();
      return;
    }
    username.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    error.clear();
    void whileBusy(form, async () => {
      announce('Creating your account…', 'busy');
      try {
        const reply = await devPanel.step(`Password signup (${name})`, () => api.passwordSignup(name, password.value, displayName.value.trim() || undefined));
        password.value = '';
        announce(`Account ${name} created. Now add a second factor.`, 'info');
        o.accepted(name, reply.next);
      } catch (err) {
        const x = error.show(err);
        (x.code === 'weak_password' ? password : username).focus();
      }
    });
  });
  return section;
}
