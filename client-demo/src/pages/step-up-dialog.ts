/**
 * The step-up dialog: a modal <dialog> (focus moves into it, Escape cancels, focus returns
 * to the page afterwards) that asks the signed-in user to confirm it is them with one of
 * the methods keygate accepts:
 *  - `webauthn`: a security-key/passkey sign-in by `username` (keygate requires UV);
 *  - `password+webauthn` | `password+totp` | `password+sms` | `password+email` |
 *    `password+recovery_code`: the password for
 *    `username` (POST /login/password), then that second step (second-factor-panel.ts).
 * Contract: resolves once keygate accepted the confirmation (the session is fresh again);
 * rejects with a DOMException `AbortError` when the user cancels. A single method starts
 * without a choice. `why` replaces the opening sentence ("This change needs a recent sign-in").
 */
import { WebAuthnAbortService } from '@simplewebauthn/browser';
import type { StepUpMethod } from '../api.js';
import { signIn } from '../ceremonies.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { waitLabel } from '../format.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';
import { passwordForm } from './password-form.js';
import { secondFactorPanel, type SecondFactor } from './second-factor-panel.js';

const LABELS: Record<StepUpMethod, string> = {
  webauthn: 'Security key or passkey',
  'password+webauthn': 'Password, then security key',
  'password+totp': 'Password, then authenticator app code',
  'password+sms': 'Password, then a code by text message',
  'password+email': 'Password, then a code by email',
  'password+recovery_code': 'Password, then recovery code',
};

export function confirmIdentity(o: { username: string; accepts: StepUpMethod[]; maxAgeSeconds?: number; why?: string }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const body = h('div', { class: 'step-up-body' });
    const error = inlineError('step-up-error', { live: true });
    const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'step-up-cancel' }, 'Cancel');
    const dialog = h('dialog', { class: 'step-up', 'aria-labelledby': 'step-up-title', 'aria-describedby': 'step-up-why', 'data-testid': 'step-up-dialog' },
      h('h2', { id: 'step-up-title' }, 'Confirm it is you'),
      h('p', { id: 'step-up-why' }, `${o.why ?? `This change needs a recent sign-in${o.maxAgeSeconds ? ` (within the last ${waitLabel(o.maxAgeSeconds)})` : ''}.`} Confirm as ${o.username}${o.accepts.length > 1 ? ' with one of these' : ''}:`),
      body,
      error.element,
      h('div', { class: 'actions' }, cancel),
    );
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      if (!ok) WebAuthnAbortService.cancelCeremony();
      dialog.close();
      dialog.remove();
      if (ok) resolve();
      else reject(new DOMException('Step-up cancelled', 'AbortError'));
    };
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (ev) => {
      ev.preventDefault(); // Escape: close through `finish`, so the promise settles
      finish(false);
    });

    const secondStep = (next: SecondFactor[]) => {
      announce('Password accepted. Now the second step.', 'info');
      replaceChildren(body, secondFactorPanel({ prefix: 'step-up-second', next, live: true, verified: () => finish(true), expired: () => undefined }));
      body.querySelector<HTMLElement>('input, button')?.focus();
    };
    const choose = (m: StepUpMethod) => {
      error.clear();
      if (m === 'webauthn') {
        void whileBusy(body, async () => {
          try {
            await signIn({ username: o.username, userVerification: 'required' }, `Confirm it is you (${o.username})`);
            finish(true);
          } catch (err) {
            error.show(err);
          }
        });
        return;
      }
      const wanted = m.slice('password+'.length) as SecondFactor;
      replaceChildren(body, passwordForm({
        prefix: 'step-up-password',
        username: o.username,
        submitLabel: 'Continue',
        live: true,
        accepted: (_user, next) => secondStep(next.includes(wanted) ? [wanted] : (next.filter((n) => n !== 'enrol') as SecondFactor[])),
      }));
      body.querySelector<HTMLInputElement>('input[type="password"]')?.focus();
    };

    replaceChildren(body, o.accepts.length > 1 && h('div', { class: 'actions stacked' },
      o.accepts.map((m) => h('button', { type: 'button', class: 'secondary', onclick: () => choose(m), 'data-testid': `step-up-${m.replace('+', '-')}` }, LABELS[m])),
    ));
    document.body.append(dialog);
    dialog.showModal();
    if (o.accepts.length === 1) choose(o.accepts[0]!);
  });
}
