/**
 * The account page's notice after a recovery-code sign-in (session `recovery: true`, or the
 * sign-in reply's `recovery`): the key or phone may be lost, so add a new security key now;
 * and how many recovery codes are left (from the reply, updated when the factors load).
 */
import { h } from '../dom.js';

export function recoveryNotice(remaining: number | undefined, addKey: () => void): { element: HTMLElement; remaining(n: number): void } {
  const count = h('p', { 'data-testid': 'recovery-remaining' });
  const set = (n: number | undefined) => {
    count.textContent = n === undefined
      ? 'Generate new recovery codes below if you are running low.'
      : `${n} recovery ${n === 1 ? 'code is' : 'codes are'} left.${n <= 3 ? ' Generate new ones below soon.' : ''}`;
  };
  set(remaining);
  const element = h('section', { class: 'card notice', role: 'region', 'aria-labelledby': 'recovery-notice-title', 'data-testid': 'recovery-banner' },
    h('h2', { id: 'recovery-notice-title' }, 'You signed in with a recovery code'),
    h('p', {}, 'If you lost your security key or phone, add a new security key or passkey now, then remove the lost one from the list below.'),
    count,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: addKey, 'data-testid': 'recovery-add-key' }, 'Add a new security key now')),
  );
  return { element, remaining: set };
}
