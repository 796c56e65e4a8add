/**
 * Account page section "Sign-in methods": what GET /account/factors reports (password,
 * number of keys, authenticator app, SMS and email codes where offered, recovery codes
 * left), each with its actions. Keys themselves are managed in the list below it. `load()`
 * (re)reads the factors; `loaded` hands them to the page (e.g. for the recovery-code notice).
 *
 * When the account's only second factors are codes by text message or email (no key, no
 * authenticator app), a warning above the list says why that is weak and suggests a
 * security key or an authenticator app (`addKey` focuses the page's "Add another" form).
 */
import { ApiError, api, type Factors } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { methodCard, type MethodEnv } from './method-card.js';
import { oobMethod } from './oob-method.js';
import { passwordMethod } from './password-method.js';
import { recoveryMethod } from './recovery-method.js';
import { totpMethod } from './totp-method.js';

export interface SignInMethods {
  element: HTMLElement;
  load(focus: boolean): Promise<void>;
}

/** The warning when the only second factors are codes by SMS and/or email; undefined otherwise. */
export function weakFactorWarning(f: Factors, addKey?: () => void): HTMLElement | undefined {
  const sms = f.sms !== null;
  const email = f.email !== null;
  if (f.webauthn > 0 || f.totp || (!sms && !email)) return undefined;
  const title = sms && email ? 'Your only second factors are codes by text message and email' : `Your only second factor is ${sms ? 'a code by text message (SMS)' : 'a code by email'}`;
  const why = [
    sms && 'a text message can be redirected to an attacker\'s SIM card (SIM swap)',
    email && 'whoever gets into your mailbox gets your codes',
    'and a fake site can ask you for a code and use it at once (phishing)',
  ].filter(Boolean).join(', ');
  return h('div', { class: 'notice card', role: 'region', 'aria-labelledby': 'weak-factor-title', 'data-testid': 'weak-factor-warning' },
    h('h3', { id: 'weak-factor-title' }, title),
    h('p', {}, `That is the weakest kind: ${why}.`),
    h('p', {}, 'Add a security key or passkey (the strongest: it cannot be phished), or an authenticator app, and keep this as a fallback.'),
    addKey && h('div', { class: 'actions' }, h('button', { type: 'button', onclick: addKey, 'data-testid': 'weak-factor-add-key' }, 'Add a security key or passkey')),
  );
}

export function signInMethods(o: { username: string; passwordLogin: boolean; loaded(f: Factors): void; signedOut(): Promise<void>; addKey?: () => void }): SignInMethods {
  const title = h('h2', { id: 'methods-title', tabindex: '-1' }, 'Sign-in methods');
  const warning = h('div', { 'data-testid': 'weak-factor-area' });
  const list = h('ul', { class: 'method-list', 'aria-labelledby': 'methods-title', 'data-testid': 'method-list' }, h('li', {}, 'Loading…'));
  const element = h('section', { 'aria-labelledby': 'methods-title' }, title, warning, list);

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
      const oob = (['sms', 'email'] as const).filter((c) => f.oobChannels.includes(c) || f[c] !== null).map((c) => oobMethod(f, c, env));
      replaceChildren(warning, weakFactorWarning(f, o.addKey));
      replaceChildren(list, keys.element, passwordMethod(f, env), totpMethod(f, env), oob, recoveryMethod(f, env));
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
