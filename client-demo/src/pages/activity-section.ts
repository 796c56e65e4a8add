/**
 * Account page section "Recent activity": the signed-in user's own audit trail
 * (`GET /account/activity`), newest first, 10 at a time with "Show older" (the reply's `next`
 * cursor). Each line says what happened in plain words, when, from which IP and browser, and,
 * for failures, keygate's code, so a user can spot a sign-in that was not theirs.
 * 401: the session ended (`signedOut`).
 */
import { ApiError, api, type ActivityEvent } from '../api.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { when } from '../format.js';
import { inlineError } from './inline-error.js';

const PAGE = 10;

const WHAT: Record<string, string> = {
  'registration.succeeded': 'Added a security key or passkey',
  'registration.failed': 'Adding a security key failed',
  'authentication.succeeded': 'Signed in',
  'authentication.failed': 'A sign-in with a security key or passkey failed',
  'password.succeeded': 'Password accepted',
  'password.failed': 'Wrong password entered',
  'password.changed': 'Password changed',
  'password.set': 'Password set',
  'signup.password': 'Account created with a password',
  'totp.enrolled': 'Authenticator app added',
  'totp.removed': 'Authenticator app removed',
  'totp.failed': 'Wrong authenticator app code entered',
  'oob.enrolled': 'Phone number or email address for codes verified',
  'oob.removed': 'Phone number or email address for codes removed',
  'oob_code.sent': 'Code sent by text message or email',
  'oob_code.send_failed': 'A code could not be sent',
  'oob_code.failed': 'Wrong or expired code by text message or email entered',
  'recovery_codes.generated': 'New recovery codes made',
  'recovery_code.used': 'Signed in with a recovery code',
  'recovery_code.failed': 'Wrong recovery code entered',
  'credential.renamed': 'Security key renamed',
  'credential.removed': 'Security key removed',
  'credential.possibly_cloned': 'A security key was blocked as possibly copied',
  'lockout.locked': 'Sign-in paused after too many failed attempts',
  'session.logout': 'Signed out',
  'session.logout_others': 'Signed out everywhere else',
  'token.issued': 'Token issued for an integrator',
  'token.revoked': 'Token revoked',
};

export function activityLabel(type: string): string {
  return WHAT[type] ?? type;
}

export function activitySection(o: { signedOut(): Promise<void> }): { element: HTMLElement; load(): Promise<void> } {
  const list = h('ol', { class: 'activity-list', 'aria-labelledby': 'activity-title', 'data-testid': 'activity-list' });
  const error = inlineError('activity-error');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true, 'data-testid': 'activity-more' }, 'Show older');
  let next: string | undefined;

  const line = (e: ActivityEvent) =>
    h('li', { class: e.outcome === 'failure' ? 'activity failure' : 'activity', 'data-testid': 'activity-item', 'data-type': e.type },
      h('span', { class: 'activity-what' }, activityLabel(e.type), e.code ? ` (${e.code})` : ''),
      h('span', { class: 'hint' }, [when(e.at), e.ip, e.userAgent].filter(Boolean).join(' · ')),
    );

  async function fetchPage(reset: boolean): Promise<void> {
    try {
      error.clear();
      const page = await api.activity({ limit: PAGE, before: reset ? undefined : next });
      next = page.next;
      if (reset) replaceChildren(list, page.events.length === 0 ? h('li', {}, 'Nothing yet.') : page.events.map(line));
      else list.append(...page.events.map(line));
      more.hidden = next === undefined;
      list.dataset.loaded = String(Date.now());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return o.signedOut();
      error.show(err);
    }
  }
  more.addEventListener('click', () => void whileBusy(more, () => fetchPage(false)));

  const element = h('section', { class: 'card', 'aria-labelledby': 'activity-title', 'data-testid': 'activity' },
    h('h2', { id: 'activity-title' }, 'Recent activity'),
    h('p', {}, 'Sign-ins and changes to your account, newest first. Something you did not do? Sign out everywhere else and change how you sign in.'),
    list,
    error.element,
    h('div', { class: 'actions' }, more),
  );
  return { element, load: () => fetchPage(true) };
}
