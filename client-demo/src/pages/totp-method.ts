/**
 * Account page, sign-in method "Authenticator app" (TOTP): set it up (totp-setup.ts, with
 * step-up), or remove it (DELETE /account/totp, with step-up; keygate refuses to remove
 * the last second factor with 409 `last_factor`, shown in the card).
 */
import { api, type Factors } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';
import { inlineError } from './inline-error.js';
import { methodCard, type MethodEnv } from './method-card.js';
import { totpSetup } from './totp-setup.js';

export function totpMethod(f: Factors, env: MethodEnv): HTMLElement {
  const setUp = h('button', { type: 'button', class: 'secondary', 'data-testid': 'totp-set-up' }, 'Set up authenticator app');
  const remove = h('button', { type: 'button', class: 'danger', 'data-testid': 'totp-remove' }, 'Remove');
  const card = methodCard({
    key: 'totp',
    title: 'Authenticator app',
    state: f.totp ? 'On' : 'Off',
    description: 'A 6-digit code from an app on your phone, after your password.',
    actions: [f.totp ? remove : setUp],
  });
  const guard = <T>(call: () => Promise<T>) => withStepUp(env.username, call);

  setUp.addEventListener('click', () => {
    const setup = totpSetup({ prefix: 'account', guard, confirmed: () => env.changed('Your authenticator app is set up. Use its codes after your password.') });
    replaceChildren(card.area, setup.element, h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => { replaceChildren(card.area); setUp.focus(); } }, 'Cancel')));
    void whileBusy(card.element, () => setup.start());
  });

  remove.addEventListener('click', () => {
    const error = inlineError('totp-remove-error');
    const confirm = h('button', { type: 'button', class: 'danger confirm', 'aria-describedby': 'totp-remove-prompt', 'data-testid': 'totp-remove-confirm' }, 'Yes, remove it');
    const keep = h('button', { type: 'button', class: 'secondary', onclick: () => { replaceChildren(card.area); remove.focus(); } }, 'Keep it');
    confirm.addEventListener('click', () => {
      void whileBusy(card.element, async () => {
        announce('Removing your authenticator app…', 'busy');
        try {
          await withStepUp(env.username, () => devPanel.step('Authenticator app: remove', () => api.removeTotp()));
          await env.changed('Your authenticator app was removed. Its codes no longer sign you in.');
        } catch (err) {
          replaceChildren(card.area, error.element);
          error.show(err);
          remove.focus();
        }
      });
    });
    replaceChildren(card.area,
      h('p', { id: 'totp-remove-prompt' }, 'Remove the authenticator app? Its codes will no longer sign you in.'),
      h('div', { class: 'actions' }, confirm, keep),
    );
    confirm.focus();
  });
  return card.element;
}
