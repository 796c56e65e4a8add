/**
 * Account page section "Sign-in methods": what GET /account/factors reports (password,
 * number of keys, authenticator app, recovery codes left), each with its actions. Keys
 * themselves are managed in the list below it. `load()` (re)reads the factors; `loaded`
 * hands them to the page (e.g. for the recovery-code notice).
 */
import { ApiError, api, type Factors } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { methodCard, type MethodEnv } from './method-card.js';
import { passwordMethod } from './password-method.js';
import { recoveryMethod } from './recovery-method.js';
import { totpMethod } from './totp-method.js';

export interface SignInMethods {
  element: HTMLElement;
  load(focus: boolean): Promise<void>;
}

export function signInMethods(o: { username: string; passwordLogin: boolean; loaded(f: Factors): void; signedOut(): Promise<void> }): SignInMethods {
  const title = h('h2', { id: 'methods-title', tabindex: '-1' }, 'Sign-in methods');
  const list = h('ul', { class: 'method-list', 'aria-labelledby': 'methods-title', 'data-testid': 'method-list' }, h('li', {}, 'Loading…'));
  const element = h('section', { 'aria-labelledby': 'methods-title' }, title, list);

  const env: MethodEnv = {
    username: o.username,
    passwordLogin: o.passwordLogin,
    async changed(message) {
      await load(true);
      announce(message, 'success');
    },
  };

  async function load(focus: boolean): Promise<void> {
    try {
      const f = await api.factors();
      const keys = methodCard({
        key: 'keys',
        title: 'Security keys and passkeys',
        state: `${f.webauthn} registered`,
        description: 'The strongest way in: listed under "Your security keys and passkeys" below.',
        actions: [],
      });
      replaceChildren(list, keys.element, passwordMethod(f, env), totpMethod(f, env), recoveryMethod(f, env));
      list.dataset.loaded = String(Date.now());
      o.loaded(f);
      if (focus) title.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        await o.signedOut();
        return;
      }
      replaceChildren(list, h('li', {}, 'Could not load your sign-in methods.'));
      announce(explain(err).message, 'error');
    }
  }
  return { element, load };
}
