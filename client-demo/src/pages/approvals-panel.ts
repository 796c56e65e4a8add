/**
 * Account page section "Sign-in requests" (issue 10 point 3, the approving side): when keygate
 * runs with APPROVAL=true, a sign-in on another device that chose "Approve from a signed-in
 * device" shows here as a prompt: where it comes from (IP, browser), when it was asked and
 * until when it can be answered, three numbers, "Deny" and "This was not me".
 *
 * Contract:
 *  - `start()` loads the pending requests (GET /account/approvals) and listens on the live
 *    feed GET /account/approvals/events (EventSource, same origin, cookies sent; it reconnects
 *    by itself per the stream's `retry:`); `approval_disabled` hides the section and opens no
 *    stream; 401 or the stream's `end` with reason `signed_out` calls `signedOut`. `stop()`
 *    closes the stream and clears the expiry timers (the account page calls it on leaving).
 *  - Picking a number: POST /account/approvals/{id}/options `{ number }` → the browser's
 *    get() with UV (startAuthentication) → POST .../approve, recorded in the developer panel;
 *    then "Approved" and the prompt goes. A wrong number denies the request at keygate
 *    (`wrong_approval_number`): the prompt goes and keygate's words say so. A request that was
 *    answered elsewhere or expired (`approval_not_pending`, `approval_not_found`) goes too;
 *    other failures (key cancelled, ...) stay in the prompt, which can be answered again.
 *  - "Deny" / "This was not me": POST .../deny `{ notMe }`; "not me" also ends the requesting
 *    attempt and suggests changing the password.
 *  - A prompt is removed at its expiry; a request answered here never comes back on reconnect;
 *    every RESYNC_MS the list is checked against GET /account/approvals (a request answered
 *    on another device goes). If the browser gives up on the stream, it is reopened after
 *    REOPEN_MS once GET /account/approvals answers.
 */
import { startAuthentication } from '@simplewebauthn/browser';
import { ApiError, api } from '../api.js';
import type { ApprovalView } from '../api-types.js';
import { devPanel } from '../dev-panel.js';
import { fact, h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { when } from '../format.js';
import { announce } from '../status.js';
import { inlineError } from './inline-error.js';

export interface ApprovalsPanel {
  element: HTMLElement;
  /** Loads the pending requests and opens the live feed (once). */
  start(): void;
  /** Closes the live feed and clears timers. */
  stop(): void;
  /** Moves focus to the section heading (the `#approvals` link of keygate's message). */
  focus(): void;
}

const EVENTS_URL = '/account/approvals/events';
/** How often the list is checked against GET /account/approvals (requests answered on another device go). */
const RESYNC_MS = 15_000;
/** After the browser gave up on the stream (e.g. an HTTP error on reconnect): open it again this much later. */
const REOPEN_MS = 5_000;
/** Refusals after which the request is gone (answered, expired, or denied by a wrong number). */
const GONE = new Set(['wrong_approval_number', 'approval_not_pending', 'approval_not_found']);

export function approvalsPanel(o: { signedOut(): Promise<void> }): ApprovalsPanel {
  const title = h('h2', { id: 'approvals-title', tabindex: '-1' }, 'Sign-in requests');
  const list = h('div', { class: 'approval-list', 'data-testid': 'approval-list' });
  const empty = h('p', { class: 'hint', 'data-testid': 'approvals-empty' }, 'No sign-in is waiting for your approval.');
  const result = h('p', { class: 'approval-result', 'data-testid': 'approvals-result', 'aria-live': 'polite' });
  const element = h('section', { class: 'card approvals', 'aria-labelledby': 'approvals-title', 'data-testid': 'approvals', hidden: true },
    title,
    h('p', { class: 'warning', 'data-testid': 'approvals-advice' },
      'Only approve a sign-in you are doing yourself, right now, on another device. If a request appears that you did not start, choose "This was not me": someone may know your password. Never approve just to make the requests stop.'),
    result,
    list,
    empty,
  );

  const prompts = new Map<string, { element: HTMLElement; timer: ReturnType<typeof setTimeout> }>();
  /** Requests answered (or seen to expire) here: a reconnecting stream sends the pending ones again. */
  const done = new Set<string>();
  let source: EventSource | undefined;
  let resync: ReturnType<typeof setInterval> | undefined;
  let reopen: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  let stopped = false;
  let wantFocus = false;
  const focusTitle = () => {
    title.scrollIntoView({ block: 'start' });
    title.focus();
  };

  const refreshEmpty = () => {
    empty.hidden = prompts.size > 0;
    list.dataset.count = String(prompts.size);
  };

  function remove(id: string): void {
    const p = prompts.get(id);
    done.add(id);
    if (!p) return;
    clearTimeout(p.timer);
    p.element.remove();
    prompts.delete(id);
    refreshEmpty();
  }

  function say(text: string, kind: 'success' | 'error' | 'info', outcome: string): void {
    result.textContent = text;
    result.dataset.outcome = outcome;
    announce(text, kind);
  }

  function add(a: ApprovalView): void {
    if (stopped || done.has(a.id) || prompts.has(a.id)) return;
    const left = Date.parse(a.expiresAt) - Date.now();
    if (left <= 0) return;
    const error = inlineError('approval-error');
    const browser = a.userAgent ?? 'Not reported';
    const choices = h('div', { class: 'approval-choices', role: 'group', 'aria-label': 'The number shown on the device that is signing in' },
      a.choices.map((n) => h('button', { type: 'button', class: 'approval-choice', onclick: () => pick(n), 'data-testid': `approval-choice-${n}` }, String(n))),
    );
    const prompt = h('article', { class: 'approval-prompt', 'data-testid': 'approval-prompt', 'data-approval-id': a.id, 'aria-labelledby': `approval-${a.id}-title` },
      h('h3', { id: `approval-${a.id}-title` }, 'Someone is trying to sign in to your account'),
      h('dl', { class: 'facts' },
        fact('From (IP address)', a.ip ?? 'Not reported', 'approval-ip'),
        fact('Browser', browser, 'approval-browser'),
        fact('Asked at', when(a.createdAt), 'approval-created'),
        fact('Answer before', new Date(a.expiresAt).toLocaleTimeString(), 'approval-expires'),
      ),
      h('p', {}, 'If this is you, pick the number shown on the device that is signing in, then confirm with your security key or passkey. A wrong number refuses the sign-in.'),
      choices,
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => deny(false), 'data-testid': 'approval-deny' }, 'Deny'),
        h('button', { type: 'button', class: 'danger', onclick: () => deny(true), 'data-testid': 'approval-not-me' }, 'This was not me'),
      ),
      error.element,
    );
    const timer = setTimeout(() => {
      if (!prompts.has(a.id)) return;
      remove(a.id);
      say('A sign-in request expired without an answer.', 'info', 'expired');
    }, left);
    prompts.set(a.id, { element: prompt, timer });
    list.append(prompt);
    refreshEmpty();
    announce('Someone is trying to sign in to your account. If it is you, pick the number shown on that device.', 'info');

    function failed(err: unknown): void {
      const x = explain(err);
      if (x.aborted) return;
      if (err instanceof ApiError && err.status === 401) {
        void o.signedOut();
        return;
      }
      if (GONE.has(x.code)) {
        remove(a.id);
        say(x.message, 'error', x.code === 'wrong_approval_number' ? 'denied' : 'gone');
        return;
      }
      error.show(err);
    }

    function pick(n: number): void {
      error.clear();
      void whileBusy(prompt, async () => {
        announce('Confirm with your security key or passkey (PIN or biometric). Follow your browser\'s prompt.', 'busy');
        devPanel.begin('Approve a sign-in on another device');
        try {
          const options = await api.approvalOptions(a.id, n);
          devPanel.options(options);
          const response = await startAuthentication({ optionsJSON: options });
          devPanel.response(response);
          await api.approvalApprove(a.id, response);
          devPanel.result({}); // keygate answers ok: no attestation/assertion debug to show
          remove(a.id);
          say('Approved. The other device is signing in now.', 'success', 'approved');
        } catch (err) {
          devPanel.failure(err);
          failed(err);
        }
      });
    }

    function deny(notMe: boolean): void {
      error.clear();
      void whileBusy(prompt, async () => {
        try {
          const r = await devPanel.step(notMe ? 'Report a sign-in that was not me' : 'Deny a sign-in', () => api.approvalDeny(a.id, notMe));
          remove(a.id);
          if (notMe) say(`Refused and reported${r.ended ? ': that sign-in was ended' : ''}. Someone may know your password: change it now.`, 'success', 'reported');
          else say('Denied. The other device was not signed in.', 'success', 'denied');
        } catch (err) {
          failed(err);
        }
      });
    }
  }

  function listen(): void {
    if (stopped || source) return;
    source = new EventSource(EVENTS_URL);
    element.dataset.live = 'connecting';
    source.addEventListener('open', () => {
      element.dataset.live = 'open';
    });
    source.addEventListener('approval', (ev) => {
      try {
        add(JSON.parse((ev as MessageEvent<string>).data) as ApprovalView);
      } catch {
        // a malformed event: ignore it (GET /account/approvals still lists the request)
      }
    });
    source.addEventListener('end', (ev) => {
      let reason = '';
      try {
        reason = (JSON.parse((ev as MessageEvent<string>).data) as { reason?: string }).reason ?? '';
      } catch {
        // no reason given
      }
      if (reason === 'signed_out') {
        stop();
        void o.signedOut();
      }
      // otherwise (timeout, store unavailable) the EventSource reconnects by itself
    });
    source.addEventListener('error', () => {
      if (source?.readyState !== EventSource.CLOSED) {
        element.dataset.live = 'reconnecting'; // the browser retries by itself (the stream's `retry:`)
        return;
      }
      // The browser gave up (a non-200 answer): check the session and the list, then open a new stream.
      source.close();
      source = undefined;
      element.dataset.live = 'closed';
      clearTimeout(reopen);
      reopen = setTimeout(() => void sync().then((ok) => ok && listen()), REOPEN_MS);
    });
  }

  function stop(): void {
    stopped = true;
    source?.close();
    source = undefined;
    clearInterval(resync);
    clearTimeout(reopen);
    for (const p of prompts.values()) clearTimeout(p.timer);
  }

  /**
   * GET /account/approvals: adds requests not shown yet and removes prompts whose request is no
   * longer pending (answered on another device, withdrawn, expired), unless one is being
   * answered here right now. Resolves false when the section is not offered (or signed out).
   */
  async function sync(): Promise<boolean> {
    try {
      const { approvals } = await api.approvals();
      if (stopped) return false;
      element.hidden = false;
      const pending = new Set(approvals.map((a) => a.id));
      for (const [id, p] of prompts) if (!pending.has(id) && !p.element.hasAttribute('aria-busy')) remove(id);
      approvals.forEach(add);
      refreshEmpty();
      element.dataset.loaded = String(Date.now());
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'approval_disabled') return false; // not offered here
      if (err instanceof ApiError && err.status === 401) {
        stop();
        await o.signedOut();
        return false;
      }
      if (!element.hidden && prompts.size > 0) return true; // keep what is shown; the next sync may work
      element.hidden = false;
      replaceChildren(list, h('p', { class: 'inline-error', 'data-testid': 'approvals-load-error' }, `Could not load sign-in requests: ${explain(err).message}`));
      return true;
    }
  }

  function start(): void {
    if (started) return;
    started = true;
    void (async () => {
      if (!(await sync())) return;
      if (wantFocus) focusTitle();
      listen();
      resync = setInterval(() => void sync(), RESYNC_MS);
    })();
  }

  return { element, start, stop, focus: () => {
    if (element.hidden) wantFocus = true; // shown once loaded
    else focusTitle();
  } };
}
