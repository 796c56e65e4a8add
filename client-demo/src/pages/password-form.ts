/**
 * "Sign in with password" (first factor), used by the sign-in page (username typed) and by
 * the step-up dialog (username fixed to the signed-in user). POST /login/password answers
 * with what is next (`webauthn`, `totp`, `recovery_code`, or `enrol`); the session is then
 * half signed in until the second step. Refusals (`invalid_credentials`, `locked_out` with
 * its wait, `password_login_disabled`) are shown in the form and the password is cleared.
 *
 * Hooks: `before()` runs before the request (the sign-in page cancels passkey autofill),
 * `failed(code)` after a refusal (it restarts autofill).
 */
import { api, type NextStep } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export interface PasswordFormOptions {
  /** Prefix of element ids and test ids (`<prefix>-username`, `<prefix>-password`, ...). */
  prefix: string;
  /** Fixed username (step-up); absent: the user types it. */
  username?: string;
  submitLabel: string;
  /** In a modal dialog: the inline error is a live region. */
  live?: boolean;
  before?(): Promise<void>;
  failed?(code: string): void;
  accepted(username: string, next: NextStep[]): Promise<void> | void;
}

export function passwordForm(o: PasswordFormOptions): HTMLFormElement {
  const p = o.prefix;
  const username = h('input', { type: 'text', id: `${p}-username`, name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: '64', required: true, value: o.username, readonly: o.username !== undefined, 'data-testid': `${p}-username` });
  const password = h('input', { type: 'password', id: `${p}-password`, name: 'password', autocomplete: 'current-password', maxlength: '128', required: true, 'data-testid': `${p}-password` });
  const error = inlineError(`${p}-error`, { live: o.live });
  const form = h('form', { novalidate: true, 'data-testid': `${p}-form` },
    h('div', { class: 'field' }, h('label', { for: `${p}-username` }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: `${p}-password` }, 'Password'), password),
    error.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': `${p}-submit` }, o.submitLabel)),
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = username.value.trim();
    const missing = !name ? username : !password.value ? password : undefined;
    if (missing) {
      missing.setAttribute('aria-invalid', 'true');
      error.say(!name ? 'Enter your username.' : 'Enter your password.');
      missing.focus();
      return;
    }
    username.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    error.clear();
    void whileBusy(form, async () => {
      announce('Checking your password…', 'busy');
      await o.before?.();
      try {
        const reply = await devPanel.step(`Password sign-in (${name})`, () => api.passwordLogin(name, password.value));
        password.value = '';
        await o.accepted(name, reply.next);
      } catch (err) {
        password.value = '';
        const x = error.show(err);
        o.failed?.(x.code);
        password.focus();
      }
    });
  });
  return form;
}
