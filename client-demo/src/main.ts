/**
 * keygate demo entry: a hash-routed single page app (#/sign-in, #/register, #/account)
 * over keygate's real endpoints. Page changes are serialised: the old page is disposed
 * (e.g. passkey autofill cancelled) and any pending ceremony aborted before the new one
 * renders. After a navigation, focus moves to the new page's heading so keyboard and
 * screen-reader users land on it.
 */
import { WebAuthnAbortService } from '@simplewebauthn/browser';
import { api, type Me } from './api.js';
import type { AppContext, Page, Route } from './app-context.js';
import { initDevPanel } from './dev-panel.js';
import { h, replaceChildren } from './dom.js';
import { explain } from './errors.js';
import { renderAccount } from './pages/account.js';
import { renderRegister } from './pages/register.js';
import { renderSignIn } from './pages/sign-in.js';
import { announce, clearBusy } from './status.js';

const ROUTES: Record<Route, (ctx: AppContext) => Page> = { 'sign-in': renderSignIn, register: renderRegister, account: renderAccount };
let me: Me | null = null;
let current: Page | undefined;
let currentRoute: Route | undefined;
let queue: Promise<void> = Promise.resolve();

const ctx: AppContext = {
  get me() {
    return me;
  },
  navigate(route) {
    if (location.hash === `#/${route}`) schedule(false);
    else location.hash = `#/${route}`;
  },
  async refreshSession() {
    try {
      me = await api.me();
    } catch {
      me = null;
    }
    renderNav();
    return me;
  },
  async signedIn(reply, how) {
    await ctx.refreshSession();
    announce(`Signed in as ${reply.user.displayName} (${reply.user.username}) ${how}.`, 'success');
    ctx.navigate('account');
  },
};

function routeFromHash(): Route | undefined {
  const name = /^#\/([a-z-]+)/.exec(location.hash)?.[1];
  return name && name in ROUTES ? (name as Route) : undefined;
}

function schedule(first: boolean): void {
  queue = queue.then(() => show(first)).catch((err) => announce(explain(err).message, 'error'));
}

async function show(first: boolean): Promise<void> {
  let route = routeFromHash() ?? (me ? 'account' : 'sign-in');
  if (route === 'account' && !me) route = 'sign-in';
  if (`#/${route}` !== location.hash) history.replaceState(null, '', `#/${route}`);
  await current?.dispose?.();
  WebAuthnAbortService.cancelCeremony(); // leaving a page abandons its ceremony, if one is still pending
  clearBusy(); // ...and its "waiting for your key" message
  const page = ROUTES[route](ctx);
  current = page;
  currentRoute = route;
  replaceChildren(document.getElementById('page')!, page.element);
  document.title = `${page.title} · keygate demo`;
  renderNav();
  page.mounted?.();
  if (!first) page.element.querySelector<HTMLElement>('h1')?.focus();
}

function renderNav(): void {
  const link = (route: Route, text: string) => h('a', { href: `#/${route}`, 'aria-current': currentRoute === route ? 'page' : undefined }, text);
  const signOut = async () => {
    try {
      await api.logout();
      me = null;
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
