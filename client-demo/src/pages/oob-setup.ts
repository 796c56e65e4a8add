/**
 * Adding a phone number (SMS) or an email address for one-time sign-in codes, used by the
 * account page (oob-method.ts, with step-up) and by the enrolment step after a password
 * signup (enrol.ts): the user types the destination, keygate sends a first code to it
 * (POST /account/oob; phone numbers in international format, mobiles only, else
 * `invalid_destination`), the user types that code (POST /account/oob/confirm). Nothing
 * counts until that confirmation succeeds; a verified destination stays until a new one is
 * confirmed. With DELIVERY=dev the message shows in the developer panel's "Messages".
 *
 * Contract: `start()` shows the destination form and focuses it; `confirmed(reply)` runs
 * after keygate accepted the code (during a signup the reply says `signedIn: true`).
 * Refusals (`invalid_destination`, `code_send_limited`, `delivery_failed`,
 * `invalid_confirmation_code`, `no_pending_oob`, a cancelled step-up) are shown in place.
 */
import { api, type OobChannel, type OobConfirmReply } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';
import type { Guard } from './totp-setup.js';

export interface OobSetup {
  element: HTMLElement;
  start(): void;
}

/** Plain words per channel: what it is, where codes go, and why it is weaker than a key or an app. */
export const OOB_WORDS = {
  sms: {
    name: 'Text message (SMS)',
    what: 'a code by text message',
    destination: 'Mobile phone number',
    destinationHint: 'In international format: + and the country code, for example +33 6 12 34 56 78.',
    code: 'Code from the text message',
    weakness: 'Weaker than a security key or an authenticator app: someone who talks your mobile operator into moving your number to their SIM card (SIM swap) receives your codes, and a fake site can ask you for a code and use it at once (phishing). Type a code only here, never give it to anyone.',
  },
  email: {
    name: 'Email',
    what: 'a code by email',
    destination: 'Email address',
    destinationHint: 'Codes are sent to this address.',
    code: 'Code from the email',
    weakness: 'Weaker than a security key or an authenticator app: whoever gets into your mailbox gets your codes, and a fake site can ask you for a code and use it at once (phishing). Type a code only here, never give it to anyone.',
  },
} as const;

export function oobSetup(o: { prefix: string; channel: OobChannel; guard: Guard; confirmed(reply: OobConfirmReply): Promise<void> | void }): OobSetup {
  const p = `${o.prefix}-${o.channel}`;
  const w = OOB_WORDS[o.channel];
  const error = inlineError(`${p}-setup-error`);
  const element = h('div', { class: 'oob-setup', 'data-testid': `${p}-setup` });
  const destId = `${p}-destination`;
  const destination = h('input', {
    type: o.channel === 'sms' ? 'tel' : 'email', id: destId, autocomplete: o.channel === 'sms' ? 'tel' : 'email', inputmode: o.channel === 'sms' ? 'tel' : 'email',
    maxlength: '254', required: true, spellcheck: 'false', 'aria-describedby': `${destId}-hint`, 'data-testid': destId,
  });
  const destForm = h('form', { novalidate: true, 'data-testid': `${p}-destination-form` },
    h('div', { class: 'field' }, h('label', { for: destId }, w.destination), h('p', { class: 'hint', id: `${destId}-hint` }, w.destinationHint), destination),
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': `${p}-send` }, 'Send code')),
  );
  const sentArea = h('div', {});

  async function send(value: string): Promise<void> {
    error.clear();
    announce('Sending a code…', 'busy');
    try {
      const r = await o.guard(() => devPanel.step(`${w.name}: send a first code`, () => api.startOob(o.channel, value)));
      void devPanel.messages();
      showCodeForm(r.to, value);
      announce(`Code sent to ${r.to}. Type it to confirm.`, 'success');
    } catch (err) {
      error.show(err);
      destination.select();
    }
  }

  function showCodeForm(to: string, value: string): void {
    const id = `${p}-confirm-code`;
    const input = h('input', { type: 'text', id, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '10', required: true, 'aria-describedby': `${id}-hint`, 'data-testid': id });
    const again = h('button', { type: 'button', class: 'secondary', 'data-testid': `${p}-send-again` }, 'Send again');
    const form = h('form', { novalidate: true, 'data-testid': `${p}-confirm-form` },
      h('div', { class: 'field' },
        h('label', { for: id }, w.code),
        h('p', { class: 'hint', id: `${id}-hint` }, '6 digits; it works once, for 5 minutes.'),
        input,
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': `${p}-confirm` }, 'Confirm code'), again),
    );
    again.addEventListener('click', () => void whileBusy(element, () => send(value)));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = input.value.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(code)) {
        error.say('Enter the 6-digit code we sent you.');
        input.focus();
        return;
      }
      error.clear();
      void whileBusy(element, async () => {
        announce('Checking the code…', 'busy');
        try {
          const reply = await o.guard(() => devPanel.step(`${w.name}: confirm`, () => api.confirmOob(o.channel, code)));
          await o.confirmed(reply);
        } catch (err) {
          error.show(err);
          input.select();
        }
      });
    });
    replaceChildren(sentArea, h('p', { 'data-testid': `${p}-sent` }, `We sent a code to ${to}.`), form);
    input.focus();
  }

  destForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = destination.value.trim();
    if (!value) {
      error.say(`Enter your ${w.destination.toLowerCase()}.`);
      destination.focus();
      return;
    }
    void whileBusy(element, () => send(value));
  });

  replaceChildren(element, destForm, sentArea, error.element);
  return {
    element,
    start() {
      error.clear();
      replaceChildren(sentArea);
      destination.focus();
    },
  };
}
