/**
 * Second step of a password sign-in (#/second-step): the password was accepted, the
 * session is half signed in, and keygate listed what may finish it (`next`): a security
 * key, an authenticator-app code or a recovery code (second-factor-panel.ts). Success
 * signs in fully and goes to the account page; "Cancel sign-in" (and an expired half
 * sign-in) sign out and go back to Sign in.
 */
import type { AppContext, Page } from '../app-context.js';
import { h, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { secondFactorPanel, type SecondFactor } from './second-factor-panel.js';

export function renderSecondStep(ctx: AppContext): Page {
  const pending = ctx.pending!;
  const next = pending.next.filter((n): n is SecondFactor => n !== 'enrol');
  const cancel = h('button', { type: 'button', class: 'secondary', 'data-testid': 'second-step-cancel' }, 'Cancel sign-in');
  const root = h('section', { class: 'card', 'aria-labelledby': 'second-step-title' },
    h('h1', { id: 'second-step-title', tabindex: '-1' }, 'Confirm it is you'),
    h('p', { 'data-testid': 'second-step-user' }, `Password accepted for ${pending.username}. Now finish signing in with one of these:`),
    secondFactorPanel({
      prefix: 'second',
      next,
      verified: (reply, how) => ctx.signedIn(reply, how),
      expired: async () => {
        await ctx.abandonSignIn();
        announce('That sign-in took too long and has expired. Please enter your password again.', 'error');
      },
    }),
    h('div', { class: 'actions after-actions' }, cancel),
  );
  cancel.addEventListener('click', () => {
    void whileBusy(root, async () => {
      await ctx.abandonSignIn();
      announce('Sign-in cancelled.', 'info');
    });
  });
  return { title: 'Confirm it is you', element: root };
}
