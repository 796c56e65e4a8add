/**
 * Authenticator-app (TOTP, RFC 6238) enrolment, used by the account page and by the
 * enrolment step after a password signup: POST /account/totp gives an otpauth URI as a QR
 * code (data: URL PNG) and its base32 secret; the user scans (or types) it, then proves the
 * app works by typing its current code (POST /account/totp/confirm). Nothing is enabled
 * until that confirmation succeeds.
 *
 * Contract: `start()` asks keygate for a new secret (through `guard`, the account page's
 * step-up) and shows it; `confirmed(reply)` runs after keygate accepted the code (during a
 * signup the reply says `signedIn: true`). Refusals (`invalid_confirmation_code`, `no_pending_totp`,
 * `step_up_required` the user cancelled) are shown in place.
 */
import { api } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export type Guard = <T>(call: () => Promise<T>) => Promise<T>;

export interface TotpSetup {
  element: HTMLElement;
  start(): Promise<void>;
}

export function totpSetup(o: { prefix: string; guard: Guard; confirmed(reply: Awaited<ReturnType<typeof api.confirmTotp>>): Promise<void> | void }): TotpSetup {
  const p = o.prefix;
  const error = inlineError(`${p}-totp-error`);
  const element = h('div', { class: 'totp-setup', 'data-testid': `${p}-totp-setup` });

  function show(qrCode: string, secret: string): void {
    const id = `${p}-totp-confirm-code`;
    const input = h('input', { type: 'text', id, inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '10', required: true, 'aria-describedby': `${id}-hint`, 'data-testid': id });
    const form = h('form', { novalidate: true, 'data-testid': `${p}-totp-confirm-form` },
      h('div', { class: 'field' },
        h('label', { for: id }, 'Code from the app'),
        h('p', { class: 'hint', id: `${id}-hint` }, 'Type the 6 digits the app now shows for keygate.'),
        input,
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Confirm code')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = input.value.replace(/\s+/g, '');
      if (!/^\d{6,8}$/.test(code)) {
        error.say('Enter the 6-digit code from your authenticator app.');
        input.focus();
        return;
      }
      error.clear();
      void whileBusy(element, async () => {
        announce('Checking the code…', 'busy');
        try {
          const reply = await o.guard(() => devPanel.step('Authenticator app: confirm', () => api.confirmTotp(code)));
          await o.confirmed(reply);
        } catch (err) {
          error.show(err);
          input.select();
        }
      });
    });
    replaceChildren(element,
      h('ol', { class: 'steps' },
        h('li', {},
          h('p', { tabindex: '-1', class: 'focus-target' }, 'In your authenticator app (for example Google Authenticator, Microsoft Authenticator or 1Password), add an account and scan this QR code:'),
          h('img', { class: 'qr', src: qrCode, width: '200', height: '200', alt: 'QR code that adds keygate to your authenticator app', 'data-testid': `${p}-totp-qr` }),
          h('p', {}, 'Cannot scan it? Enter this setup key instead:'),
          h('p', {}, h('code', { class: 'secret', 'data-testid': 'totp-secret' }, secret)),
        ),
        h('li', {}, form),
      ),
      error.element,
    );
  }

  return {
    element,
    async start() {
      error.clear();
      try {
        const e = await o.guard(() => devPanel.step('Authenticator app: new secret', () => api.startTotp()));
        show(e.qrCode, e.secret);
        announce('Scan the QR code with your authenticator app, then type the code it shows.', 'info');
        element.querySelector<HTMLElement>('.focus-target')?.focus(); // keyboard users start reading at step 1
      } catch (err) {
        replaceChildren(element, error.element);
        error.show(err);
      }
    },
  };
}
