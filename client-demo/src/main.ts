/**
 * keygate demo entry: a hash-routed single page app (#/sign-in, #/register, #/account, and
 * for password sign-ins #/second-step and #/enrol; #/admin for administrators; a one-time
 * registration link `#link=<secret>` shows its own page, link-page.ts; `#approvals`, the link
 * in keygate's "approve a sign-in?" message, shows the account page with focus on its
 * sign-in requests, approvals-panel.ts) over keygate's real endpoints. Page
 * changes are serialised: the old page is disposed (e.g. passkey autofill cancelled) and any
 * pending ceremony aborted before the new one renders. After a navigation, focus moves to
 * the new page's heading so keyboard and screen-reader users land on it.
 */
import { WebAuthnAbortService } from '@simplewebauthn/browser';
import { api, type Me, type PendingSignIn, type RecoveryInfo } from './api.js';
import type { AppContext, Page, Route } from './app-context.js';
import { devPanel, initDevPanel } from './dev-panel.js';
import { h, replaceChildren } from './dom.js';
import { explain } from './errors.js';
import { renderAccount } from './pages/account.js';
import { renderAdmin } from './pages/admin-page.js';
import { linkSecretOf, renderLink } from './pages/link-page.js';
import { renderEnrol } from './pages/enrol.js';
import { renderRegister } from './pages/register.js';
import { renderSecondStep } from './pages/second-step.js';
import { renderSignIn } from './pages/sign-in.js';
import { announce, clearBusy } from './status.js';

/** The routes AppContext knows, plus `admin` (reached by its link in the navigation, never by `ctx.navigate`). */
type DemoRoute = Route | 'admin';

const ROUTES: Record<DemoRoute, (ctx: AppContext) => Page> = {
  'sign-in': renderSignIn,
  register: renderRegister,
  account: renderAccount,
  'second-step': renderSecondStep,
  enrol: renderEnrol,
  admin: renderAdmin,
};
let me: Me | null = null;
let pending: PendingSignIn | null = null;
/** What this page was told by POST /login/password or /signup/password, in case GET /session does not report it. */
let localPending: PendingSignIn | null = null;
let passwordLogin = false;
let tokenAudiences: string[] = [];
let approval = false;
let recoveryNotice: RecoveryInfo | null = null;
let current: Page | undefined;
let currentRoute: DemoRoute | undefined;
let queue: Promise<void> = Promise.resolve();

const ctx: AppContext = {
  get me() { return me; },
  get pending() { return pending; },
  get passwordLogin() { return passwordLogin; },
  get tokenAudiences() { return tokenAudiences; },
  get approval() { return approval; },
  get recoveryNotice() { return recoveryNotice; },
  navigate(route) {
    if (location.hash === `#/${route}`) schedule(false);
    else location.hash = `#/${route}`;
  },
  async refreshSession() {
    try {
      const s = await api.session();
      me = s.me;
      passwordLogin = s.passwordLogin;
      tokenAudiences = s.tokenAudiences;
      approval = s.approval;
      pending = me ? null : (s.pendingSignIn ?? localPending);
    } catch {
      me = null;
      pending = null;
    }
    if (me) localPending = null;
    devPanel.session(me?.session ?? null);
    renderNav();
    return me;
  },
  passwordAccepted(username, next) {
    localPending = pending = { username, next };
    ctx.navigate(next.includes('enrol') ? 'enrol' : 'second-step');
  },
  async abandonSignIn() {
    localPending = pending = null;
    await api.logout().catch(() => undefined);
    await ctx.refreshSession();
    ctx.navigate('sign-in');
  },
  async signedIn(reply, how) {
    localPending = null;
    recoveryNotice = reply.recovery ?? null;
    await ctx.refreshSession();
    const user = reply.user ?? me?.user;
    const who = user ? `${user.displayName} (${user.username})` : 'you';
    const rest = reply.recovery ? ` ${reply.recovery.remaining} recovery ${reply.recovery.remaining === 1 ? 'code' : 'codes'} left: add a new security key now.` : '';
    announce(`Signed in as ${who} ${how}.${rest}`, 'success');
    ctx.navigate('account');
  },
};

/** keygate's approval message links to `/#approvals`: the account page, its sign-in requests in view. */
const APPROVALS_HASH = '#approvals';

function routeFromHash(): DemoRoute | undefined {
  if (location.hash === APPROVALS_HASH) return 'account';
  const name = /^#\/([a-z-]+)/.exec(location.hash)?.[1];
  return name && name in ROUTES ? (name as DemoRoute) : undefined;
}

const isAdmin = () => me?.user.role === 'admin';

/** Where a visitor in the current state may be: pages that need a (half) sign-in redirect. */
function allowed(route: DemoRoute | undefined): DemoRoute {
  const enrolling = pending?.next.includes('enrol') ?? false;
  const home: Route = me ? 'account' : pending ? (enrolling ? 'enrol' : 'second-step') : 'sign-in';
  if (route === undefined) return home;
  if (route === 'account' && !me) return home;
  if (route === 'admin' && !isAdmin()) return home;
  if (route === 'second-step' && (!pending || enrolling)) return home;
  if (route === 'enrol' && (!pending || !enrolling)) return home;
  return route;
}

function schedule(first: boolean): void {
  queue = queue.then(() => show(first)).catch((err) => announce(explain(err).message, 'error'));
}

async function show(first: boolean): Promise<void> {
  // A one-time link keeps its fragment until it is used (a reload still works); link-page.ts removes it.
  const secret = linkSecretOf(location.hash);
  const route = secret === undefined ? allowed(routeFromHash()) : undefined;
  const focusApprovals = route === 'account' && location.hash === APPROVALS_HASH;
  if (route !== undefined && `#/${route}` !== location.hash) history.replaceState(null, '', `#/${route}`);
  await current?.dispose?.();
  WebAuthnAbortService.cancelCeremony(); // leaving a page abandons its ceremony, if one is still pending
  clearBusy(); // ...and its "waiting for your key" message
  const page = route === undefined ? renderLink(ctx, secret!) : focusApprovals ? renderAccount(ctx, { focusApprovals }) : ROUTES[route](ctx);
  current = page;
  currentRoute = route;
  replaceChildren(document.getElementById('page')!, page.element);
  document.title = `${page.title} · keygate demo`;
  renderNav();
  page.mounted?.();
  if (!first && !focusApprovals) page.element.querySelector<HTMLElement>('h1')?.focus();
}

function renderNav(): void {
  const link = (route: DemoRoute, text: string) => h('a', { href: `#/${route}`, 'aria-current': currentRoute === route ? 'page' : undefined }, text);
  const signOut = async () => {
    try {
      await api.logout();
      me = null;
      pending = localPending = recoveryNotice = null;
      devPanel.session(null);
      announce('You are signed out.', 'success');
      ctx.navigate('sign-in');
    } catch (err) {
      announce(explain(err).message, 'error');
    }
  };
  replaceChildren(
    document.getElementById('nav')!,
    me
      ? [
          h('span', { class: 'who', 'data-testid': 'signed-in-as' }, `Signed in as ${me.user.username}`),
          link('account', 'Account security'),
          isAdmin() && link('admin', 'Administration'),
          h('button', { type: 'button', onclick: signOut, 'data-testid': 'sign-out' }, 'Sign out'),
        ]
      : [link('sign-in', 'Sign in'), link('register', 'Create account')],
  );
}

async function boot(): Promise<void> {
  document.getElementById('skip-link')?.addEventListener('click', () => document.getElementById('main')?.focus());
  initDevPanel();
  await ctx.refreshSession();
  window.addEventListener('hashchange', () => schedule(false));
  schedule(true);
}

void boot();
