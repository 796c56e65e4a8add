/**
 * #/enrol: an account with a password but no second factor yet (right after "Create an
 * account with a password", or a password sign-in answered `next: ["enrol"]`). It must add
 * one before it is signed in: a security key or passkey (the normal registration with the
 * same username, which keygate allows for this enrolment session), an authenticator app
 * (totp-setup.ts) or, where keygate offers them to this account (GET /account/factors
 * `oobChannels`, read as the page mounts), a phone number for codes by text message or an
 * email address for codes by email (oob-setup.ts), each with its weakness stated. Any one,
 * once verified, signs the user in; then the account page.
 */
import { api, type OobChannel } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { register } from '../ceremonies.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { authenticatorChoice } from './authenticator-choice.js';
import { inlineError } from './inline-error.js';
import { OOB_WORDS, oobSetup } from './oob-setup.js';
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
  const oobArea = h('div', { 'data-testid': 'enrol-oob-area' });
  const oobSection = (channel: OobChannel) => {
    const w = OOB_WORDS[channel];
    const setup = oobSetup({ prefix: 'enrol', channel, guard: (call) => call(), confirmed: () => ctx.signedIn({}, `with your password and ${w.what}`) });
    const start = h('button', { type: 'button', class: 'secondary', 'data-testid': `enrol-${channel}-start` }, channel === 'sms' ? 'Use a phone number' : 'Use an email address');
    const slot = h('div', {});
    start.addEventListener('click', () => {
      replaceChildren(slot, setup.element);
      setup.start();
    });
    return h('section', { class: 'card', 'aria-labelledby': `enrol-${channel}-title`, 'data-testid': `enrol-${channel}` },
      h('h2', { id: `enrol-${channel}-title` }, channel === 'sms' ? 'Codes by text message (SMS)' : 'Codes by email'),
      h('p', {}, `A 6-digit code sent to your ${channel === 'sms' ? 'phone' : 'mailbox'} each time, typed after your password.`),
      h('p', { class: 'warning oob-weakness', 'data-testid': `enrol-${channel}-weakness` }, w.weakness),
      h('div', { class: 'actions' }, start),
      slot,
    );
  };
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
    oobArea,
    h('div', { class: 'actions' }, cancel),
  );
  /** SMS / email sections, where keygate offers them (the enrolment session may read GET /account/factors). */
  const loadChannels = async () => {
    try {
      const f = await api.factors();
      replaceChildren(oobArea, f.oobChannels.map(oobSection));
    } catch {
      // Without the list the page still offers a key and an app; nothing to report.
    }
    oobArea.dataset.loaded = String(Date.now());
  };

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
  return { title: 'Add a second factor', element: root, mounted: () => void loadChannels() };
}
