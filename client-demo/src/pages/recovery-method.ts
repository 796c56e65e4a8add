/**
 * Account page, sign-in method "Recovery codes": how many unused codes are left, and
 * generate (or regenerate: the old ones stop working, so it asks first) a new set with
 * POST /account/recovery-codes (with step-up). The new codes are shown once, in this card.
 */
import { api, type Factors } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { withStepUp } from '../step-up.js';
import { inlineError } from './inline-error.js';
import { methodCard, type MethodEnv } from './method-card.js';
import { recoveryCodesView } from './recovery-codes-view.js';

export function recoveryMethod(f: Factors, env: MethodEnv): HTMLElement {
  const left = f.recoveryCodes.remaining;
  const generate = h('button', { type: 'button', class: 'secondary', 'data-testid': 'recovery-generate' }, left > 0 ? 'Generate new codes' : 'Generate recovery codes');
  const card = methodCard({
    key: 'recovery',
    title: 'Recovery codes',
    state: left > 0 ? `${left} left` : 'None',
    description: 'One-time codes for when your security key and phone are lost. Print them or keep them in a password manager.',
    actions: [generate],
  });
  const error = inlineError('recovery-error');

  const run = () =>
    whileBusy(card.element, async () => {
      announce('Generating recovery codes…', 'busy');
      try {
        const { codes } = await withStepUp(env.username, () => devPanel.step('Recovery codes: generate', () => api.newRecoveryCodes()));
        replaceChildren(card.area, recoveryCodesView(codes, { username: env.username, done: () => void env.changed('Recovery codes saved. Keep them safe.') }));
        announce(`${codes.length} new recovery codes. Save them now: they will not be shown again.`, 'success');
        card.area.querySelector<HTMLElement>('.warning')?.focus();
      } catch (err) {
        replaceChildren(card.area, error.element);
        error.show(err);
        generate.focus();
      }
    });

  generate.addEventListener('click', () => {
    if (left === 0) {
      void run();
      return;
    }
    const confirm = h('button', { type: 'button', class: 'danger confirm', 'aria-describedby': 'recovery-prompt', 'data-testid': 'recovery-generate-confirm' }, 'Yes, replace my codes');
    confirm.addEventListener('click', () => void run());
    replaceChildren(card.area,
      h('p', { id: 'recovery-prompt' }, `Your ${left} unused ${left === 1 ? 'code stops' : 'codes stop'} working once new ones are made.`),
      h('div', { class: 'actions' }, confirm, h('button', { type: 'button', class: 'secondary', onclick: () => { replaceChildren(card.area); generate.focus(); } }, 'Keep my codes')),
    );
    confirm.focus();
  });
  return card.element;
}
