/**
 * `#link=<secret>`: a one-time registration link (the first administrator's from
 * `npm run create-admin` or BOOTSTRAP_ADMIN, or a recovery link an administrator issued).
 * "Register your security key" runs a registration for the link's user: POST /link/options
 * with the secret, the browser's create() (via @simplewebauthn/browser), POST
 * /attestation/result, which takes the link (it works once) and signs that user in. Then the
 * secret is removed from the address bar and the history entry (history.replaceState) and
 * the account page shows. Refusals are explained in place: `link_not_found` (used, expired
 * or replaced), `policy_violation` (keygate's words, plus the rule of the role policy the key
 * failed, e.g. an administrator's key must have a trusted attestation).
 *
 * User verification is always required here (keygate requires it: the key signs in on its
 * own, the link replaces every other factor), and an administrator's key is asked for a
 * `direct` attestation by keygate itself (the admin policy's floor).
 */
import { api, policyRuleOf, type RegistrationReply } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { registerWith } from '../ceremonies.js';
import { h, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { announce } from '../status.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { inlineError } from './inline-error.js';

/** The secret of a `#link=<secret>` address, if this is one. */
export function linkSecretOf(hash: string): string | undefined {
  return /^#link=([A-Za-z0-9_-]+)$/.exec(hash)?.[1];
}

export function renderLink(ctx: AppContext, secret: string): Page {
  const choice = authenticatorChoice('link');
  // keygate requires UV for a link's key: show that instead of offering a choice it overrides.
  const uv = choice.element.querySelector<HTMLSelectElement>('select')!;
  uv.value = 'required';
  uv.disabled = true;
  uv.insertAdjacentElement('beforebegin', h('p', { class: 'hint' }, 'Always: this key will sign you in on its own.'));
  const error = inlineError('link-error');
  const form = h('form', { novalidate: true, 'data-testid': 'link-form' },
    choice.element,
    error.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'link-submit' }, 'Register your security key')),
  );
  const me = ctx.me;
  const root = h('section', { class: 'card', 'aria-labelledby': 'link-title' },
    h('h1', { id: 'link-title', tabindex: '-1' }, 'Register your security key'),
    h('p', {}, 'This one-time link lets you register a security key (or a passkey) for your account, and signs you in with it. It works once, and only until it expires.'),
    me && h('p', { class: 'warning', 'data-testid': 'link-signed-in-note' }, `You are signed in as ${me.user.username}. Registering a key with this link signs you in to the account the link was made for instead.`),
    form,
    h('p', { class: 'after-actions' }, 'Already have a key? ', h('a', { href: '#/sign-in' }, 'Sign in'), '.'),
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.clear();
    void whileBusy(form, async () => {
      announce('Follow your browser\'s prompt: touch your security key, or confirm with this device.', 'busy');
      try {
        const read = choice.read();
        const reply = await registerWithLink({ link: secret, ...read, authenticatorSelection: { ...read.authenticatorSelection, userVerification: 'required' } });
        // The secret must not stay in the address bar or the history once it is used.
        history.replaceState(null, '', `${location.pathname}${location.search}#/account`);
        await ctx.signedIn({}, `with your new security key "${reply.credential.name}"`);
      } catch (err) {
        const x = explain(err);
        if (x.aborted) return;
        const rule = policyRuleOf(err);
        if (rule) error.say(`${x.message} (policy rule: ${rule})`);
        else if (x.code === 'link_not_found') error.say(`${x.message} You can still sign in with a key you already have.`);
        else error.show(err);
      }
    });
  });

  return { title: 'Register your security key', element: h('div', {}, root) };
}

/** The link's registration ceremony, recorded in the developer panel like the others (ceremonies.ts). */
function registerWithLink(req: Parameters<typeof api.linkOptions>[0]): Promise<RegistrationReply> {
  return registerWith(() => api.linkOptions(req), 'Registration through a one-time link');
}
