/**
 * #/admin, for a signed-in user whose role is `admin` (the router sends anyone else home):
 *  - users, searchable (part of the username or display name), a page at a time;
 *  - one user: role (changeable), "Issue recovery link" (the URL is shown once, to be handed
 *    over a trusted channel), and every credential with keygate's verdicts and actions
 *    (admin-credential-card.ts);
 *  - credentials that policy re-evaluation disabled;
 *  - the FIDO MDS3 status (configured, source, BLOB no, nextUpdate, entries, last refresh
 *    and its error);
 *  - recent audit events (everyone's, or the selected user's).
 * Every call needs an admin session at the admin acr, signed in recently: after 403
 * `step_up_required` the administrator signs in again with the key and the call is retried
 * (withStepUp, as the account page does); 403 `admin_required` (a sign-in too weak for
 * administration) is explained, with "Sign in again with your security key"; 401 sends the
 * user to Sign in.
 */
import { adminApi } from '../admin-api.js';
import { ApiError, type AdminMdsReply, type AdminUser } from '../api.js';
import type { AppContext, Page } from '../app-context.js';
import { signIn } from '../ceremonies.js';
import { fact, h, replaceChildren, whileBusy } from '../dom.js';
import { explain } from '../errors.js';
import { when } from '../format.js';
import { announce } from '../status.js';
import { sharedStepUp } from '../step-up.js';
import { adminCredentialCard } from './admin-credential-card.js';
import { auditEventItem, mdsFactsOf } from './admin-views.js';

const ROLES = ['user', 'admin'];

export function renderAdmin(ctx: AppContext): Page {
  const me = ctx.me!;
  const username = me.user.username;
  let disposed = false;
  // One step-up at a time: calls refused meanwhile wait for it, then retry (a new session:
  // the navigation and the developer panel show it).
  const guard = sharedStepUp(username, () => void ctx.refreshSession());

  // ---- Header and access problems ---------------------------------------------------------
  const access = h('div', { 'data-testid': 'admin-access' });
  const header = h('section', { class: 'card', 'aria-labelledby': 'admin-title' },
    h('h1', { id: 'admin-title', tabindex: '-1' }, 'Administration'),
    h('p', {}, `Signed in as ${me.user.displayName} (${username}), administrator. Every action here is recorded in the audit log.`),
    access,
  );

  // ---- Users ------------------------------------------------------------------------------
  const search = h('input', { type: 'text', id: 'admin-search', name: 'search', maxlength: '64', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'admin-search' });
  const searchForm = h('form', { novalidate: true, role: 'search', 'data-testid': 'admin-search-form' },
    h('div', { class: 'field' }, h('label', { for: 'admin-search' }, 'Search users'), h('p', { class: 'hint' }, 'Part of a username or display name; empty lists everyone.'), search),
    h('div', { class: 'actions' }, h('button', { type: 'submit', 'data-testid': 'admin-search-submit' }, 'Search')),
  );
  const userList = h('ul', { class: 'admin-user-list', 'aria-labelledby': 'admin-users-title', 'data-testid': 'admin-user-list' }, h('li', {}, 'Loading…'));
  const more = h('div', { class: 'actions' });
  const usersSection = h('section', { class: 'card', 'aria-labelledby': 'admin-users-title' },
    h('h2', { id: 'admin-users-title' }, 'Users'), searchForm, userList, more);

  // ---- One user ---------------------------------------------------------------------------
  const detail = h('section', { class: 'card', 'aria-labelledby': 'admin-user-title', 'data-testid': 'admin-user-detail', hidden: true });
  let selected: string | undefined;

  // ---- Policy-disabled, MDS, audit -------------------------------------------------------------
  const policyList = h('ul', { class: 'credential-list', 'aria-labelledby': 'admin-policy-title', 'data-testid': 'admin-policy-disabled' }, h('li', {}, 'Loading…'));
  const policySection = h('section', { class: 'card', 'aria-labelledby': 'admin-policy-title' },
    h('h2', { id: 'admin-policy-title' }, 'Disabled by policy'),
    h('p', { class: 'hint' }, 'Credentials keygate disabled when re-evaluating them (a newer MDS3 BLOB, a stricter policy). Enabling one lets it try again; policy still decides at its next sign-in.'),
    policyList);
  const mdsFacts = h('dl', { class: 'facts', 'data-testid': 'admin-mds-status' }, h('dt', {}, 'Status'), h('dd', {}, 'Loading…'));
  const mdsSection = h('section', { class: 'card', 'aria-labelledby': 'admin-mds-title', 'data-testid': 'admin-mds-panel' },
    h('h2', { id: 'admin-mds-title' }, 'FIDO Metadata Service (MDS3)'), mdsFacts);
  const auditScope = h('p', { class: 'hint', 'data-testid': 'admin-audit-scope' }, 'Everyone\'s events, newest first.');
  const auditList = h('ul', { class: 'activity-list', 'aria-labelledby': 'admin-audit-title', 'data-testid': 'admin-audit' }, h('li', {}, 'Loading…'));
  const auditAll = h('button', { type: 'button', class: 'secondary', hidden: true, 'data-testid': 'admin-audit-all' }, 'Show everyone\'s events');
  const auditRefresh = h('button', { type: 'button', class: 'secondary', 'data-testid': 'admin-audit-refresh' }, 'Refresh');
  const auditSection = h('section', { class: 'card', 'aria-labelledby': 'admin-audit-title' },
    h('h2', { id: 'admin-audit-title' }, 'Recent audit events'), auditScope, auditList, h('div', { class: 'actions' }, auditRefresh, auditAll));
  let auditUser: AdminUser | undefined;

  const root = h('div', { class: 'admin' }, header, usersSection, detail, policySection, mdsSection, auditSection);

  /** What every load does with a refusal: 401 → sign in; admin_required → explained; others announced. */
  async function failed(err: unknown, where: HTMLElement, what: string): Promise<void> {
    if (disposed) return;
    const x = explain(err);
    if (err instanceof ApiError && err.status === 401) {
      await ctx.refreshSession();
      announce('Your session has ended. Please sign in again.', 'error');
      ctx.navigate('sign-in');
      return;
    }
    replaceChildren(where, h('li', {}, x.aborted ? `${what}: cancelled.` : `${what}: ${x.message}`));
    if (err instanceof ApiError && err.code === 'admin_required') showAccessProblem(x.message);
    else if (!x.aborted) announce(x.message, 'error');
  }

  function showAccessProblem(message: string): void {
    const again = h('button', { type: 'button', 'data-testid': 'admin-sign-in-again' }, 'Sign in again with your security key');
    again.addEventListener('click', () => void whileBusy(access, async () => {
      try {
        announce('Sign in again: use your administrator security key.', 'busy');
        await signIn({ username, userVerification: 'required' }, `Administrator sign-in (${username})`);
        await ctx.refreshSession();
        replaceChildren(access);
        announce('Signed in again.', 'success');
        await loadAll();
      } catch (err) {
        const x = explain(err);
        if (!x.aborted) announce(x.message, 'error');
      }
    }));
    replaceChildren(access, h('p', { class: 'warning', 'data-testid': 'admin-access-problem' }, message), h('div', { class: 'actions' }, again));
    announce(message, 'error');
  }

  // ---- Loading ----------------------------------------------------------------------------
  async function loadUsers(opts: { after?: string } = {}): Promise<void> {
    try {
      const q = search.value.trim();
      const { users, next } = await guard(() => adminApi.users({ search: q || undefined, after: opts.after }));
      const items = users.map(userItem);
      if (opts.after) {
        userList.append(...items);
      } else {
        replaceChildren(userList, items.length === 0 ? h('li', {}, q ? `No user matches "${q}".` : 'No users.') : items);
      }
      const moreButton = next !== undefined && h('button', { type: 'button', class: 'secondary', 'data-testid': 'admin-users-more' }, 'More users');
      if (moreButton) moreButton.addEventListener('click', () => void whileBusy(usersSection, () => loadUsers({ after: next })));
      replaceChildren(more, moreButton);
      userList.dataset.loaded = String(Date.now());
    } catch (err) {
      await failed(err, userList, 'Could not load the users');
    }
  }

  function userItem(u: AdminUser): HTMLElement {
    const open = h('button', { type: 'button', class: 'secondary', 'aria-describedby': `admin-user-${u.id}-who`, 'data-testid': 'admin-user-open' }, 'Show keys');
    open.addEventListener('click', () => void whileBusy(usersSection, () => loadUser(u.id, true)));
    return h('li', { class: 'admin-user', 'data-testid': 'admin-user', 'data-user-id': u.id, 'data-username': u.username, 'data-role': u.role },
      h('div', { id: `admin-user-${u.id}-who` },
        h('strong', { 'data-testid': 'admin-user-name' }, u.username),
        u.displayName !== u.username && ` (${u.displayName})`,
        ' ', h('span', { class: u.role === 'admin' ? 'badge current' : 'badge', 'data-testid': 'admin-user-role' }, u.role),
        h('span', { class: 'hint' }, ` added ${when(u.createdAt)}`),
      ),
      open,
    );
  }

  async function loadUser(userId: string, focus: boolean): Promise<void> {
    selected = userId;
    detail.hidden = false;
    try {
      const { user, credentials } = await guard(() => adminApi.user(userId));
      if (selected !== userId) return;
      const title = h('h2', { id: 'admin-user-title', tabindex: '-1' }, `User ${user.username}`);
      const link = h('div', { 'data-testid': 'admin-recovery-link' });
      const linkButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'admin-issue-link' }, 'Issue recovery link');
      linkButton.addEventListener('click', () => void whileBusy(detail, async () => {
        try {
          const r = await guard(() => adminApi.recoveryLink(user.id));
          replaceChildren(link,
            h('div', { class: 'field' },
              h('label', { for: 'admin-link-url' }, `Recovery link for ${user.username}`),
              h('p', { class: 'hint', id: 'admin-link-hint' }, `Give it to ${user.username} over a channel you trust. It registers one key, once, until ${when(r.expiresAt)}; using it ends their other sessions. A newer link replaces it.`),
              h('input', { type: 'text', id: 'admin-link-url', readonly: true, value: r.url, 'aria-describedby': 'admin-link-hint', 'data-testid': 'admin-link-url' }),
            ),
          );
          link.querySelector<HTMLInputElement>('input')?.select();
          announce(`Recovery link issued for ${user.username}.`, 'success');
          await loadAudit();
        } catch (err) {
          const x = explain(err);
          if (!x.aborted) announce(x.message, 'error');
        }
      }));
      const roleSelect = h('select', { id: 'admin-role', 'data-testid': 'admin-role' },
        [...new Set([...ROLES, user.role])].map((r) => h('option', { value: r, selected: r === user.role }, r)));
      const roleForm = h('form', { novalidate: true, class: 'inline-row', 'data-testid': 'admin-role-form' },
        h('div', { class: 'field' }, h('label', { for: 'admin-role' }, 'Role'), roleSelect),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'secondary', 'data-testid': 'admin-role-save' }, 'Change role')),
      );
      roleForm.addEventListener('submit', (ev) => {
        ev.preventDefault();
        void whileBusy(detail, async () => {
          try {
            const r = await guard(() => adminApi.setRole(user.id, roleSelect.value));
            announce(`${r.user.username} now has the role ${r.user.role}.`, 'success');
            await Promise.all([loadUser(user.id, false), loadUsers(), loadAudit()]);
          } catch (err) {
            const x = explain(err);
            if (!x.aborted) announce(x.message, 'error');
          }
        });
      });
      const events = h('button', { type: 'button', class: 'secondary', 'data-testid': 'admin-user-audit' }, `Show ${user.username}'s events`);
      events.addEventListener('click', () => {
        auditUser = user;
        void whileBusy(auditSection, () => loadAudit());
      });
      const onChanged = async () => {
        await Promise.all([loadUser(user.id, false), loadPolicyDisabled(), loadAudit()]);
        await ctx.refreshSession(); // an administrator may have disabled their own key
      };
      const list = h('ul', { class: 'credential-list', 'aria-labelledby': 'admin-user-creds-title', 'data-testid': 'admin-credential-list' },
        credentials.length === 0
          ? h('li', {}, 'No security keys or passkeys: issue a recovery link to let them register one.')
          : credentials.map((c) => adminCredentialCard(c, { guard, onChanged })));
      replaceChildren(detail,
        title,
        h('dl', { class: 'facts' },
          fact('Username', user.username, 'admin-detail-username'),
          fact('Display name', user.displayName),
          fact('Role', user.role, 'admin-detail-role'),
          fact('User id', h('code', {}, user.id)),
          fact('Added', when(user.createdAt)),
        ),
        roleForm,
        h('div', { class: 'actions' }, linkButton, events),
        link,
        h('h3', { id: 'admin-user-creds-title' }, 'Security keys and passkeys'),
        list,
      );
      detail.dataset.userId = user.id;
      detail.dataset.loaded = String(Date.now());
      if (focus) title.focus();
    } catch (err) {
      const place = h('ul', {});
      replaceChildren(detail, h('h2', { id: 'admin-user-title' }, 'User'), place);
      await failed(err, place, 'Could not load this user');
    }
  }

  async function loadPolicyDisabled(): Promise<void> {
    try {
      const { credentials } = await guard(() => adminApi.policyDisabled());
      replaceChildren(policyList, credentials.length === 0
        ? h('li', {}, 'None.')
        : credentials.map((c) => adminCredentialCard(c, { guard, owner: c.userId, onChanged: async () => {
            await Promise.all([loadPolicyDisabled(), loadAudit(), selected ? loadUser(selected, false) : undefined]);
          } })));
      policyList.dataset.loaded = String(Date.now());
    } catch (err) {
      await failed(err, policyList, 'Could not load them');
    }
  }

  async function loadMds(): Promise<void> {
    try {
      const m = await guard(() => adminApi.mds());
      renderMds(m);
    } catch (err) {
      const place = h('ul', { class: 'plain' });
      replaceChildren(mdsFacts, h('dt', {}, 'Status'), h('dd', {}, place));
      await failed(err, place, 'Could not load the MDS3 status');
    }
  }

  function renderMds(m: AdminMdsReply): void {
    replaceChildren(mdsFacts, ...mdsFactsOf(m));
    mdsFacts.dataset.loaded = String(Date.now());
  }

  async function loadAudit(): Promise<void> {
    const who = auditUser;
    auditAll.hidden = who === undefined;
    auditScope.textContent = who ? `${who.username}'s events, newest first.` : 'Everyone\'s events, newest first.';
    try {
      const { events } = await guard(() => adminApi.audit({ limit: 20, userId: who?.id }));
      replaceChildren(auditList, events.length === 0 ? h('li', {}, 'No events.') : events.map(auditEventItem));
      auditList.dataset.loaded = String(Date.now());
    } catch (err) {
      await failed(err, auditList, 'Could not load the audit log');
    }
  }

  async function loadAll(): Promise<void> {
    // The first call alone: if keygate wants a fresh sign-in, there is one step-up, not four.
    await loadUsers();
    await Promise.all([loadMds(), loadAudit(), loadPolicyDisabled(), selected ? loadUser(selected, false) : undefined]);
  }

  searchForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void whileBusy(usersSection, () => loadUsers());
  });
  auditRefresh.addEventListener('click', () => void whileBusy(auditSection, () => loadAudit()));
  auditAll.addEventListener('click', () => {
    auditUser = undefined;
    void whileBusy(auditSection, () => loadAudit());
  });

  return {
    title: 'Administration',
    element: root,
    mounted: () => void loadAll(),
    dispose: () => {
      disposed = true;
    },
  };
}
