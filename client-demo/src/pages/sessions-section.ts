/**
 * Account page section "Where you are signed in": "Sign out everywhere else" ends every other
 * session of this user (`POST /session/logout-others`: a lost laptop, a shared computer) and
 * says how many ended; this session stays. 401: the session itself ended (`signedOut`).
 */
import { ApiError, api } from '../api.js';
import { h, whileBusy } from '../dom.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export function sessionsSection(o: { signedOut(): Promise<void> }): HTMLElement {
  const error = inlineError('sessions-error');
  const result = h('p', { class: 'hint', 'data-testid': 'sessions-result', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, 'data-testid': 'sessions-form' },
    error.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'logout-others' }, 'Sign out everywhere else')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void whileBusy(form, async () => {
      error.clear();
      try {
        const { ended } = await api.logoutOthers();
        const text = ended === 0 ? 'You were not signed in anywhere else.' : `Signed out ${ended} other ${ended === 1 ? 'session' : 'sessions'}. This one stays signed in.`;
        result.textContent = text;
        announce(text, 'success');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return o.signedOut();
        error.show(err);
      }
    });
  });
  return h('section', { class: 'card', 'aria-labelledby': 'sessions-title', 'data-testid': 'sessions' },
    h('h2', { id: 'sessions-title' }, 'Where you are signed in'),
    h('p', {}, 'Lost a device, or signed in on a computer you do not own? End every other sign-in of your account; you stay signed in here.'),
    form,
    result,
  );
}
