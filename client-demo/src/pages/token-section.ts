/**
 * Account page section "Tokens for integrators" (only when GET /session lists
 * `tokenAudiences`): one "Get a token for <audience>" button per audience and an optional
 * "Transaction id (txn)" field, sent as `POST /token { audience, txn? }`. The token is shown
 * by token-view.ts (the last one stays shown after a refusal). Refusals, in place and in
 * the status region:
 *  - 403 `sign_in_too_old`: tokens need a fresh sign-in; "Sign in again" runs one (a key
 *    sign-in as this user, as step-up does: step-up.ts `signInAgain`), then asks again;
 *  - 409 `token_already_issued`: one token per sign-in and audience; the same offer;
 *  - 401: the session ended (`signedOut`); anything else (400 `invalid_audience`, …): keygate's words.
 */
import { ApiError, api } from '../api.js';
import { devPanel } from '../dev-panel.js';
import { h, replaceChildren, whileBusy } from '../dom.js';
import { waitLabel } from '../format.js';
import { announce } from '../status.js';
import { signInAgain } from '../step-up.js';
import { inlineError } from './inline-error.js';
import { tokenView } from './token-view.js';

const TXN_MAX = 256;

export function tokenSection(o: { audiences: readonly string[]; username: string; refreshSession(): Promise<unknown>; signedOut(): Promise<void> }): HTMLElement | undefined {
  if (o.audiences.length === 0) return undefined;
  const txn = h('input', { type: 'text', id: 'token-txn', name: 'txn', maxlength: String(TXN_MAX), autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-txn-hint', 'data-testid': 'token-txn' });
  const error = inlineError('token-error');
  /** A refusal that a new sign-in cures, with the offer; above the last token, which stays shown. */
  const refusal = h('div', { class: 'token-refusal', 'data-testid': 'token-refusal' });
  const result = h('div', { class: 'token-result', 'data-testid': 'token-result' });
  const form = h('form', { novalidate: true, 'data-testid': 'token-form' },
    h('div', { class: 'field' },
      h('label', { for: 'token-txn' }, 'Transaction id (txn)'),
      h('p', { class: 'hint', id: 'token-txn-hint' }, 'Optional: what this token approves, e.g. "approve deploy #4711". keygate signs it into the token as txn.'),
      txn,
    ),
    error.element,
    h('div', { class: 'actions stacked' },
      o.audiences.map((audience) => h('button', { type: 'submit', value: audience, 'data-audience': audience, 'data-testid': 'token-get' }, 'Get a token for ', breakable(audience))),
    ),
  );
  const section = h('section', { class: 'card', 'aria-labelledby': 'tokens-title', 'data-testid': 'tokens' },
    h('h2', { id: 'tokens-title' }, 'Tokens for integrators'),
    h('p', {}, 'Exchange this sign-in for a short-lived signed token (a JWT) that another service checks on its own: it says who you are and how you signed in. Each sign-in gets one token per service.'),
    form,
    refusal,
    result,
  );

  /** POST /token; shows the token, or the refusal (with "Sign in again" where that helps). */
  async function getToken(audience: string, txnValue: string | undefined): Promise<void> {
    announce(`Asking keygate for a token for ${audience}…`, 'busy');
    try {
      const reply = await devPanel.step(`Token for ${audience}`, () => api.token(audience, txnValue));
      const view = tokenView({ audience, token: reply.token, expiresIn: reply.expiresIn });
      replaceChildren(refusal);
      replaceChildren(result, view.element);
      announce(`Got a token for ${audience}. It is valid for ${waitLabel(reply.expiresIn)}.`, 'success');
      view.focus();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return o.signedOut();
      const again = err instanceof ApiError ? againMessage(err.code, audience) : undefined;
      if (again) offerSignIn(again, audience, txnValue);
      else {
        replaceChildren(refusal);
        error.show(err);
      }
    }
  }

  function offerSignIn(message: string, audience: string, txnValue: string | undefined): void {
    const retryError = inlineError('token-sign-in-error');
    const button = h('button', { type: 'button', 'aria-describedby': 'token-again', 'data-testid': 'token-sign-in-again' }, 'Sign in again and get the token');
    button.addEventListener('click', () => {
      retryError.clear();
      void whileBusy(section, async () => {
        try {
          await signInAgain(o.username, 'A token needs a recent sign-in.');
          await o.refreshSession();
        } catch (err) {
          retryError.show(err); // a cancelled dialog shows nothing: its own message was announced
          return;
        }
        await getToken(audience, txnValue);
      });
    });
    replaceChildren(refusal,
      h('p', { class: 'inline-error', id: 'token-again', 'data-testid': 'token-refused' }, message),
      h('div', { class: 'actions inline-form' }, button),
      retryError.element,
    );
    announce(message, 'error');
    button.focus();
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const submitter = (ev as SubmitEvent).submitter;
    const audience = submitter instanceof HTMLButtonElement && submitter.dataset.audience ? submitter.dataset.audience : o.audiences[0]!;
    const t = txn.value.trim();
    if (t.length > TXN_MAX) {
      error.say(`The transaction id may be at most ${TXN_MAX} characters.`);
      txn.focus();
      return;
    }
    error.clear();
    void whileBusy(section, () => getToken(audience, t === '' ? undefined : t));
  });

  return section;
}

/** The demo's words for the refusals that a new sign-in cures; undefined for the others. */
function againMessage(code: string, audience: string): string | undefined {
  if (code === 'sign_in_too_old') return 'Your sign-in is too old for a token: tokens need a recent sign-in. Sign in again to get one.';
  if (code === 'token_already_issued') return `One token per sign-in: this sign-in already got its token for ${audience}. Sign in again for another.`;
  return undefined;
}

/** A URL-like text that wraps after `/` and before `.` on a narrow screen, rather than inside a word. */
function breakable(text: string): (string | HTMLElement)[] {
  return text.split(/(?<=\/)|(?=\.)/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));
}
