/**
 * The second step after a password (sign-in page flow and step-up dialog): one button per
 * method keygate listed in `next`:
 *  - `webauthn`: "Use your security key": POST /assertion/options with NO username (keygate
 *    knows the half-signed-in user; presence is enough) and /assertion/result;
 *  - `totp`: a 6-digit code, POST /login/totp;
 *  - `recovery_code`: one of the saved codes, POST /login/recovery-code (the reply's
 *    `recovery` says how many remain);
 *  - `sms` / `email`: POST /login/oob/send sends a code to the enrolled phone or address
 *    (the reply names it masked; "Send again" once the resend wait is over), then the
 *    6-digit code, POST /login/oob. With DELIVERY=dev the message is in the developer panel;
 *  - `approval`: POST /login/approval, show the number the user must pick on a signed-in
 *    device (number matching), poll GET /login/approval every 2 s, and once approved
 *    POST /login/approval/complete; denied or expired is said in place (ask again).
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
  sms: 'Get a code by text message',
  email: 'Get a code by email',
  approval: 'Approve from a signed-in device',
};
const CODE_FIELD = {
  totp: { label: 'Code from your authenticator app', hint: '6 digits; the app shows a new one every 30 seconds.', max: '10', mode: 'numeric', how: 'with your password and authenticator app' },
  recovery_code: { label: 'Recovery code', hint: 'One of the codes you saved, like ABCD-EFGH-JKMN. Each code works once.', max: '32', mode: 'text', how: 'with a recovery code' },
  sms: { label: 'Code from the text message', hint: '6 digits; it works once, for 5 minutes.', max: '10', mode: 'numeric', how: 'with your password and a code by text message' },
  email: { label: 'Code from the email', hint: '6 digits; it works once, for 5 minutes.', max: '10', mode: 'numeric', how: 'with your password and a code by email' },
} as const;
const STEP_TITLE = { totp: 'Second step: authenticator app code', recovery_code: 'Second step: recovery code', sms: 'Second step: code by text message', email: 'Second step: code by email' } as const;

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
    const input = h('input', { type: 'text', id, name: 'code', inputmode: f.mode, autocomplete: method === 'recovery_code' ? 'off' : 'one-time-code', autocapitalize: 'characters', spellcheck: 'false', maxlength: f.max, required: true, 'aria-describedby': `${id}-hint`, 'data-testid': id });
    const form = h('form', { novalidate: true, 'data-testid': `${o.prefix}-${method}-form` },
      h('div', { class: 'field' }, h('label', { for: id }, f.label), h('p', { class: 'hint', id: `${id}-hint` }, f.hint), input),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Verify')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const code = input.value.replace(/\s+/g, '');
      if (!code) {
        error.say(`Enter the ${method === 'recovery_code' ? 'recovery code' : method === 'totp' ? 'code from your app' : 'code we sent you'}.`);
        input.focus();
        return;
      }
      error.clear();
      void whileBusy(panel, async () => {
        announce('Checking the code…', 'busy');
        try {
          const call = method === 'totp' ? () => api.totpLogin(code) : method === 'recovery_code' ? () => api.recoveryCodeLogin(code) : () => api.oobLogin(code);
          const reply = await devPanel.step(STEP_TITLE[method], call);
          await o.verified(reply, f.how);
        } catch (err) {
          await fail(err);
          input.select();
        }
      });
    });
    replaceChildren(area, sent ?? false, form);
    if (focus) input.focus();
  }
  let sent: HTMLElement | undefined;

  /** SMS or email: send the code first (POST /login/oob/send), then ask for it. */
  function sendCode(channel: 'sms' | 'email'): void {
    error.clear();
    void whileBusy(panel, async () => {
      announce('Sending a code…', 'busy');
      try {
        const r = await devPanel.step(channel === 'sms' ? 'Send a code by text message' : 'Send a code by email', () => api.oobSend(channel));
        void devPanel.messages(); // DELIVERY=dev: the message shows in the developer panel
        const again = h('button', { type: 'button', class: 'secondary', disabled: true, onclick: () => sendCode(channel), 'data-testid': `${o.prefix}-${channel}-resend` }, 'Send again');
        setTimeout(() => again.removeAttribute('disabled'), r.resendAfterSeconds * 1000);
        sent = h('p', { class: 'hint', 'data-testid': `${o.prefix}-${channel}-sent` }, `We sent a code to ${r.to}. `, again);
        codeForm(channel);
        announce(`Code sent to ${r.to}.`, 'success');
      } catch (err) {
        await fail(err);
      }
    });
  }

  let polling: ReturnType<typeof setInterval> | undefined;
  const stopPolling = () => {
    if (polling !== undefined) clearInterval(polling);
    polling = undefined;
  };

  /** Ask the user's signed-in sessions to approve; they must pick the number shown here. */
  function askApproval(): void {
    error.clear();
    stopPolling();
    void whileBusy(panel, async () => {
      try {
        const r = await devPanel.step('Second step: ask a signed-in device to approve', () => api.approvalRequest());
        const status = h('p', { class: 'hint', 'data-testid': `${o.prefix}-approval-status`, role: 'status' }, 'Waiting for your approval…');
        replaceChildren(area, h('div', { class: 'approval-request', 'data-testid': `${o.prefix}-approval-request` },
          h('p', {}, 'On a device where you are signed in, open your account and pick this number, then confirm with your security key:'),
          h('p', { class: 'approval-number', 'data-testid': `${o.prefix}-approval-number` }, String(r.number)),
          h('p', { class: 'hint' }, `It expires at ${new Date(r.expiresAt).toLocaleTimeString()}. If you did not ask for it on this device, do not approve it anywhere.`),
          status,
          h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => askApproval(), 'data-testid': `${o.prefix}-approval-again` }, 'Ask again')),
        ));
        announce(`Pick ${r.number} on your other device.`, 'info');
        let busy = false;
        polling = setInterval(() => {
          if (busy || !panel.isConnected) {
            if (!panel.isConnected) stopPolling();
            return;
          }
          busy = true;
          void (async () => {
            try {
              const s = await api.approvalStatus();
              if (s.state === 'approved') {
                stopPolling();
                const reply = await devPanel.step('Second step: approved on a signed-in device', () => api.approvalComplete());
                await o.verified(reply, 'with your password and approval from a signed-in device');
              } else if (s.state !== 'pending') {
                stopPolling();
                status.textContent = s.state === 'denied' ? 'The request was denied on your other device. Ask again, or use another way.' : 'The request expired. Ask again, or use another way.';
              }
            } catch (err) {
              stopPolling();
              await fail(err);
            } finally {
              busy = false;
            }
          })();
        }, 2000);
      } catch (err) {
        await fail(err);
      }
    });
  }

  const choose = (m: SecondFactor) => {
    sent = undefined;
    stopPolling();
    if (m === 'approval') askApproval();
    else if (m === 'webauthn') useKey();
    else if (m === 'sms' || m === 'email') sendCode(m);
    else codeForm(m);
  };
  // A lone code method is shown at once; a lone SMS/email waits for a click (it sends a message).
  const single = o.next.length === 1 && (o.next[0] === 'totp' || o.next[0] === 'recovery_code');
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
