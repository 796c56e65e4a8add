/**
 * Developer panel (#dev-panel): the last ceremony's options, the browser's response, what
 * keygate decoded from it (fmt, AAGUID, flags, counter, attestation certificate) and, for
 * a failure, keygate's `code` and `detail` or the browser's error; plus what the current
 * session proved (`amr`, `acr`, auth time) as GET /session reports it.
 *
 * It stays hidden until keygate shows it is not in production: a reply carrying `debug`
 * or an error carrying `detail` (production sends neither). Once seen, the panel stays
 * for the rest of the browser session (sessionStorage), so it survives reloads.
 *
 * "Messages": with keygate's development delivery adapter (DELIVERY=dev) the SMS and email
 * messages it "sent" (GET /dev/messages, newest first, codes included), re-read after each
 * send (`devPanel.messages()`) and by its Refresh button. That endpoint answering at all
 * shows keygate is not in production, so it reveals the panel too; a 404 (any other adapter)
 * hides the section quietly and it is not asked again on this page.
 */
import { ApiError, api, type AuthenticationDebug, type DevMessage, type RegistrationDebug, type SessionView } from './api.js';
import { fact, h, replaceChildren } from './dom.js';
import { explain } from './errors.js';

interface CeremonyRecord {
  title: string;
  at: Date;
  options?: unknown;
  response?: unknown;
  debug?: Partial<RegistrationDebug> & AuthenticationDebug;
  failure?: { code: string; message: string; detail?: string; httpStatus?: number; browser?: string };
}

const SEEN_KEY = 'keygate.demo.devPanel';
const ALGS: { [alg: number]: string } = { [-7]: 'ES256', [-8]: 'EdDSA', [-35]: 'ES384', [-36]: 'ES512', [-37]: 'PS256', [-257]: 'RS256' };
let current: CeremonyRecord | undefined;
let session: SessionView | null = null;
/** undefined: not read yet; null: this keygate has no GET /dev/messages (hidden). */
let messages: DevMessage[] | null | undefined;
let messagesRead: Promise<void> | undefined;

function seen(): boolean {
  return sessionStorage.getItem(SEEN_KEY) === '1';
}

function markSeen(): void {
  sessionStorage.setItem(SEEN_KEY, '1');
}

export const devPanel = {
  /** Starts recording a new ceremony (replaces the previous record). */
  begin(title: string): void {
    current = { title, at: new Date() };
    render();
  },
  options(options: unknown): void {
    if (current) current.options = options;
    render();
  },
  response(response: unknown): void {
    if (current) current.response = response;
    render();
  },
  /** keygate's reply to the result call; its `debug` (if any) reveals the panel. */
  result(reply: { debug?: CeremonyRecord['debug'] }): void {
    if (reply.debug) markSeen();
    if (current) current.debug = reply.debug;
    render();
  },
  /** The signed-in session as of the last GET /session (null: not signed in). */
  session(s: SessionView | null): void {
    session = s;
    render();
  },
  /** Records a step that is not a WebAuthn ceremony (password, code): its failure shows like a ceremony's. */
  async step<T>(title: string, task: () => Promise<T>): Promise<T> {
    devPanel.begin(title);
    try {
      return await task();
    } catch (err) {
      devPanel.failure(err);
      throw err;
    }
  },
  /**
   * Re-reads GET /dev/messages (after a code was sent, or on request); resolves once the
   * panel shows them. Never rejects: a 404 hides the section for good, other failures keep
   * the last list. Concurrent calls share one request.
   */
  messages(): Promise<void> {
    if (messages === null) return Promise.resolve();
    messagesRead ??= (async () => {
      try {
        messages = (await api.devMessages()).messages;
        markSeen();
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) messages = null;
      } finally {
        messagesRead = undefined;
      }
      render();
    })();
    return messagesRead;
  },
  failure(err: unknown): void {
    const x = explain(err);
    if (err instanceof ApiError && err.detail) markSeen();
    const e = err as { name?: string; message?: string };
    if (current) {
      current.failure = err instanceof ApiError
        ? { code: err.code, message: x.message, detail: err.detail, httpStatus: err.status }
        : { code: x.code, message: x.message, browser: `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}` };
    }
    render();
  },
};

const row = (term: string, value: string | null | undefined, testid?: string) => fact(term, value == null ? value : h('code', {}, value), testid);

const yesNo = (b: boolean | undefined) => (b ? 'yes' : 'no');

function render(): void {
  const panel = document.getElementById('dev-panel');
  if (!panel) return;
  panel.hidden = !seen();
  if (panel.hidden) return;
  const c = current;
  const d = c?.debug;
  const f = c?.failure;
  replaceChildren(
    panel,
    h('h2', { id: 'dev-title' }, 'Developer panel'),
    h('p', { class: 'hint' }, 'Shown because keygate is not running in production.'),
    !c && h('p', {}, 'No ceremony yet in this page.'),
    c && h('p', { 'data-testid': 'dev-ceremony' }, `Last ceremony: ${c.title}, ${c.at.toLocaleTimeString()}`),
    f && h('h3', { class: 'failure' }, 'Failure'),
    f &&
      h('dl', { class: 'facts failure' },
        row('Code', f.code, 'dev-error-code'),
        row('Detail', f.detail, 'dev-error-detail'),
        row('HTTP status', f.httpStatus === undefined ? undefined : String(f.httpStatus)),
        row('Browser error', f.browser, 'dev-browser-error'),
        row('Shown to user', f.message),
      ),
    d && h('h3', {}, 'Decoded by keygate'),
    d &&
      h('dl', { class: 'facts' },
        row('Attestation format', d.fmt, 'dev-fmt'),
        row('AAGUID', d.aaguid, 'dev-aaguid'),
        row('Algorithm', d.alg === undefined ? undefined : `${d.alg} (${ALGS[d.alg] ?? 'unknown'})`),
        row('Signature counter', String(d.counter), 'dev-counter'),
        row('Flags', `UP ${yesNo(d.flags.up)} · UV ${yesNo(d.flags.uv)} · BE ${yesNo(d.flags.be)} · BS ${yesNo(d.flags.bs)}`, 'dev-flags'),
        d.fmt !== undefined ? row('Attestation certificate', d.attestationCertificate ? null : 'none (self or no attestation)') : [],
        row('Certificate subject', d.attestationCertificate?.subject, 'dev-cert-subject'),
        row('Certificate issuer', d.attestationCertificate?.issuer, 'dev-cert-issuer'),
        row('Certificate valid until', d.attestationCertificate?.notAfter),
      ),
    session && h('h3', {}, 'This session'),
    session &&
      h('dl', { class: 'facts' },
        row('amr', session.amr?.join(' ') ?? 'not reported', 'dev-amr'),
        row('acr', session.acr ?? 'not reported', 'dev-acr'),
        row('Authenticated at', session.authenticatedAt, 'dev-authenticated-at'),
        row('auth_time', session.authTime === undefined ? undefined : String(session.authTime)),
        row('User verified', yesNo(session.userVerified)),
        row('Recovery sign-in', yesNo(session.recovery)),
      ),
    messages && messagesSection(messages),
    c?.options !== undefined && h('details', {}, h('summary', {}, 'Options from keygate'), h('pre', { 'data-testid': 'dev-options' }, JSON.stringify(c.options, null, 2))),
    c?.response !== undefined && h('details', {}, h('summary', {}, 'Response from the browser'), h('pre', { 'data-testid': 'dev-response' }, JSON.stringify(c.response, null, 2))),
  );
}

/** "Messages": what the development delivery adapter kept, newest first, with a Refresh button. */
function messagesSection(list: DevMessage[]): HTMLElement {
  const refresh = h('button', { type: 'button', class: 'secondary', 'data-testid': 'dev-messages-refresh' }, 'Refresh');
  refresh.addEventListener('click', () => {
    refresh.disabled = true;
    void devPanel.messages();
  });
  const channel = (m: DevMessage) => (m.channel === 'sms' ? 'Text message' : 'Email');
  return h('section', { class: 'dev-messages', 'aria-labelledby': 'dev-messages-title', 'data-testid': 'dev-messages', 'data-count': String(list.length) },
    h('h3', { id: 'dev-messages-title' }, 'Messages'),
    h('p', { class: 'hint' }, 'What keygate sent through its development delivery adapter (DELIVERY=dev), newest first. Nothing left this machine.'),
    list.length === 0
      ? h('p', { 'data-testid': 'dev-messages-empty' }, 'No messages yet.')
      : h('ol', { class: 'dev-message-list' },
          list.map((m) => h('li', { 'data-testid': 'dev-message', 'data-channel': m.channel, 'data-to': m.to },
            h('p', {}, h('strong', {}, `${channel(m)} to ${m.to}`), `, ${new Date(m.at).toLocaleTimeString()}`),
            m.subject !== undefined && h('p', {}, `Subject: ${m.subject}`),
            h('pre', { 'data-testid': 'dev-message-text' }, m.text),
          )),
        ),
    h('div', { class: 'actions' }, refresh),
  );
}

/** Renders the panel as the page loads (shows it at once if it was seen before), and reads the messages once. */
export function initDevPanel(): void {
  render();
  void devPanel.messages();
}
