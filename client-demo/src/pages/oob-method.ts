/**
 * Account page, sign-in methods "Text message (SMS) codes" and "Email codes": shown where
 * keygate lets this account use the channel (GET /account/factors `oobChannels`) or where a
 * destination is already verified. Add (or replace) the phone number or address
 * (oob-setup.ts: a first code confirms it), see it masked, or remove it (DELETE
 * /account/oob/{channel}). Changes need a step-up (withStepUp); keygate refuses to remove
 * the last second factor with 409 `last_factor`, shown in the card. The weakness of each
 * channel is stated next to it.
 */
import { api, type Factors, type OobChannel } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';
import { inlineError } from './inline-error.js';
import { methodCard, type MethodEnv } from './method-card.js';
import { OOB_WORDS, oobSetup } from './oob-setup.js';

const ADD = { sms: 'Add a phone number', email: 'Add an email address' } as const;
const REPLACE = { sms: 'Change phone number', email: 'Change email address' } as const;

export function oobMethod(f: Factors, channel: OobChannel, env: MethodEnv): HTMLElement {
  const w = OOB_WORDS[channel];
  const masked = f[channel];
  const offered = f.oobChannels.includes(channel);
  const add = h('button', { type: 'button', class: 'secondary', 'data-testid': `${channel}-add` }, masked ? REPLACE[channel] : ADD[channel]);
  const remove = h('button', { type: 'button', class: 'danger', 'data-testid': `${channel}-remove` }, 'Remove');
  const card = methodCard({
    key: channel,
    title: channel === 'sms' ? 'Text message (SMS) codes' : 'Email codes',
    state: masked ? 'On' : 'Off',
    description: `A 6-digit code sent to your ${channel === 'sms' ? 'phone' : 'mailbox'}, after your password.`,
    extra: [
      masked !== null && h('p', { 'data-testid': `method-${channel}-destination` }, `Codes go to ${masked}.`),
      h('p', { class: 'warning oob-weakness', 'data-testid': `method-${channel}-weakness` }, w.weakness),
    ],
    actions: [offered && add, masked !== null && remove],
  });
  const guard = <T>(call: () => Promise<T>) => withStepUp(env.username, call);

  add.addEventListener('click', () => {
    const setup = oobSetup({
      prefix: 'account',
      channel,
      guard,
      confirmed: () => env.changed(channel === 'sms' ? 'Your phone number is verified. Codes by text message can now finish your sign-in.' : 'Your email address is verified. Codes by email can now finish your sign-in.'),
    });
    replaceChildren(card.area, setup.element, h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => { replaceChildren(card.area); add.focus(); } }, 'Cancel')));
    setup.start();
  });

  remove.addEventListener('click', () => {
    const error = inlineError(`${channel}-remove-error`);
    const promptId = `${channel}-remove-prompt`;
    const confirm = h('button', { type: 'button', class: 'danger confirm', 'aria-describedby': promptId, 'data-testid': `${channel}-remove-confirm` }, 'Yes, remove it');
    const keep = h('button', { type: 'button', class: 'secondary', onclick: () => { replaceChildren(card.area); remove.focus(); } }, 'Keep it');
    confirm.addEventListener('click', () => {
      void whileBusy(card.element, async () => {
        announce(channel === 'sms' ? 'Removing your phone number…' : 'Removing your email address…', 'busy');
        try {
          await withStepUp(env.username, () => devPanel.step(`${w.name}: remove`, () => api.removeOob(channel)));
          await env.changed(channel === 'sms' ? 'Your phone number was removed. Text messages no longer sign you in.' : 'Your email address was removed. Codes by email no longer sign you in.');
        } catch (err) {
          replaceChildren(card.area, error.element);
          error.show(err);
          remove.focus();
        }
      });
    });
    replaceChildren(card.area,
      h('p', { id: promptId }, `Remove ${masked}? Codes sent there will no longer sign you in.`),
      h('div', { class: 'actions' }, confirm, keep),
    );
    confirm.focus();
  });
  return card.element;
}
