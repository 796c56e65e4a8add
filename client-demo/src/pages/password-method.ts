/**
 * Account page, sign-in method "Password": set or change it (PUT /account/password
 * {newPassword}; 8-128 characters, not the username, else `weak_password`). A change is
 * sensitive: it may need a step-up first. Offered only where keygate enables passwords.
 */
import { api, type Factors } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';
import { inlineError } from './inline-error.js';
import { methodCard, type MethodEnv } from './method-card.js';

export function passwordMethod(f: Factors, env: MethodEnv): HTMLElement {
  const verb = f.password ? 'Change password' : 'Set a password';
  const open = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', 'data-testid': 'password-open' }, verb);
  const card = methodCard({
    key: 'password',
    title: 'Password',
    state: f.password ? 'Set' : 'Not set',
    description: 'Signs you in together with a second factor (security key, authenticator app or recovery code), never alone.',
    actions: [(env.passwordLogin || f.password) && open],
  });
  const close = () => {
    replaceChildren(card.area);
    open.setAttribute('aria-expanded', 'false');
    open.focus();
  };

  open.addEventListener('click', () => {
    const input = h('input', { type: 'password', id: 'new-password', autocomplete: 'new-password', minlength: '8', maxlength: '128', required: true, 'aria-describedby': 'new-password-hint', 'data-testid': 'new-password' });
    const error = inlineError('password-error');
    const form = h('form', { novalidate: true, 'data-testid': 'password-change-form' },
      h('div', { class: 'field' },
        h('label', { for: 'new-password' }, 'New password'),
        h('p', { class: 'hint', id: 'new-password-hint' }, '8 to 128 characters, not your username. A long passphrase is best.'),
        input,
      ),
      error.element,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', 'data-testid': 'password-save' }, 'Save password'),
        h('button', { type: 'button', class: 'secondary', onclick: close }, 'Cancel'),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const pw = input.value;
      if (pw.length < 8) {
        error.say('Use at least 8 characters.');
        input.focus();
        return;
      }
      error.clear();
      void whileBusy(card.element, async () => {
        announce('Saving your password…', 'busy');
        try {
          await withStepUp(env.username, () => devPanel.step('Password: set', () => api.setPassword(pw)));
          await env.changed(f.password ? 'Your password was changed.' : 'Your password is set.');
        } catch (err) {
          error.show(err);
          input.select();
        }
      });
    });
    replaceChildren(card.area, form);
    open.setAttribute('aria-expanded', 'true');
    input.focus();
  });
  return card.element;
}
