/**
 * The second step after a password (sign-in page flow and step-up dialog): one button per
 * method keygate listed in `next`:
 *  - `webauthn`: "Use your security key": POST /assertion/options with NO username (keygate
 *    knows the half-signed-in user; presence is enough) and /assertion/result;
 *  - `totp`: a 6-digit code, POST /login/totp;
 *  - `recovery_code`: one of the saved codes, POST /login/recovery-code (the reply's
 *    `recovery` says how many remain).
 * With a single code method its form is shown at once. A verified step calls `verified`
 * with keygate's reply and how the user signed in; `no_pending_sign_in` (the half sign-in
 * expired) calls `expired`; other refusals (`invalid_code`, `code_already_used`,
 * `locked_out`, ...) are shown in place and the code can be typed again.
 */
import { api, type NextStep, type SignedInReply } from '../api.js';
import { signIn } from '../ceremonies.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export type SecondFactor = Exclude<NextStep, 'enrol'>;

export interface SecondFactorOptions {
  prefix: string;
  next: SecondFactor[];
  live?: boolean;
  verified(reply: SignedInReply, how: string): Promise<void> | void;
  expired(): Promise<void> | void;
}

const LABELS: Record<SecondFactor, string> = {
  webauthn: 'Use your security key',
  totp: 'Enter a code from your authenticator app',
  recovery_code: 'Use a recovery code',
};
const CODE_FIELD = {
  totp: { label: 'Code from your authenticator app', hint: '6 digits; the app shows a new one every 30 seconds.', max: '10', mode: 'numeric', how: 'with your password and authenticator app' },
  recovery_code: { label: 'Recovery code', hint: 'One of the codes you saved, like ABCD-EFGH-JKMN. Each code works once.', max: '32', mode: 'text', how: 'with a recovery code' },
} as const;

export function secondFactorPanel(o: SecondFactorOptions): HTMLElement {
  const error = inlineError(`${o.prefix}-error`, { live: o.live });
  const area = h('div', { class: 'second-factor-area' });
  const panel = h('div', { class: 'second-factor', 'data-testid': `${o.prefix}-panel` });

  async function fail(err: unknown): Promise<void> {
    const x = error.show(err);
    if (x.code === 'no_pending_sign_in') await o.expired();
  }

  function useKey(): void {
    error.clear();
    replaceChildren(area);
    void whileBusy(panel, async () => {
      announce('Touch your security key, or confirm with your device. Follow your browser\'s prompt.', 'busy');
      try {
        const reply = await signIn({}, 'Second step: security key');
        await o.verified(reply, 'with your password and security key');
      } catch (err) {
        await fail(err);
      }
    });
  }

  function codeForm(method: keyof typeof CODE_FIELD, focus = true): void {
    const f = CODE_FIELD[method];
    const id = `${o.prefix}-${method}-code`;
    const input = h('input', { type: 'text', id, name: 'code', inputmode: f.mode, autocomplete: method === 'totp' ? 'one-time-code' : 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: f.max, required: true, 'aria-describedby': `${id}-hint`, 'data-testid': id });
    const form = h('form', { novalidate: true, 'data-testid': `${o.prefix}-${method}-form` },
      h('div', { class: 'field' }, h('label', { for: id }, f.label), h('p', { class: 'hint', id: `${id}-hint` }, f.hint), input),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Verify')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = input.value.replace(/\s+/g, '');
      if (!code) {
        error.say(`Enter the ${method === 'totp' ? 'code from your app' : 'recovery code'}.`);
        input.focus();
        return;
      }
      error.clear();
      void whileBusy(panel, async () => {
        announce('Checking the code…', 'busy');
        try {
          const call = method === 'totp' ? () => api.totpLogin(code) : () => api.recoveryCodeLogin(code);
          const reply = await devPanel.step(method === 'totp' ? 'Second step: authenticator app code' : 'Second step: recovery code', call);
          await o.verified(reply, f.how);
        } catch (err) {
          await fail(err);
          input.select();
        }
      });
    });
    replaceChildren(area, form);
    if (focus) input.focus();
  }

  const choose = (m: SecondFactor) => (m === 'webauthn' ? useKey() : codeForm(m));
  const single = o.next.length === 1 && o.next[0] !== 'webauthn';
  replaceChildren(panel,
    !single && h('div', { class: 'actions stacked' },
      o.next.map((m) => h('button', { type: 'button', class: m === 'webauthn' ? undefined : 'secondary', onclick: () => choose(m), 'data-testid': `${o.prefix}-${m}` }, LABELS[m])),
    ),
    area,
    error.element,
  );
  if (single) codeForm(o.next[0] as keyof typeof CODE_FIELD, false);
  return panel;
}
