/**
 * The admin e2e suite's plumbing: a real keygate PROCESS (spawn-keygate.ts) configured as an
 * operator would for a first administrator (POLICY_FILE=dev, BOOTSTRAP_ADMIN), the one-time
 * link read from its log, and the demo's link and admin pages driven by labels and roles
 * (data-testid where no label fits).
 */
import type { Locator, Page } from 'playwright-core';
import { freePort, spawnKeygate, type SpawnedKeygate } from '../../helpers/spawn-keygate.js';
import { STEP_TIMEOUT_MS } from './browser.js';
import { outcomeOf, type Outcome } from './demo-ui.js';

export interface AdminKeygate {
  kg: SpawnedKeygate;
  /** `http://localhost:<port>`: the origin keygate accepts (open this, never 127.0.0.1). */
  origin: string;
  /** The BOOTSTRAP_ADMIN link from the log: `<origin>/#link=<secret>`. */
  link: string;
}

/**
 * keygate with the dev policy (Chrome's virtual authenticator counts as a trusted key) and
 * `admin` as BOOTSTRAP_ADMIN; resolves once ready, with the link its log announced.
 */
export async function startAdminKeygate(name: string, env: Record<string, string> = {}, admin = 'root-admin'): Promise<AdminKeygate> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const kg = await spawnKeygate({
    name,
    port,
    env: {
      NODE_ENV: 'test',
      RP_ID: 'localhost',
      RP_ORIGINS: origin,
      SESSION_SECRET: 'e2e-admin-session-secret-e2e-admin-session!',
      RATE_LIMIT_PER_MINUTE: '100000',
      LOG_LEVEL: 'warn',
      POLICY_FILE: 'dev',
      BOOTSTRAP_ADMIN: admin,
      ...env,
    },
  });
  // The link is logged before keygate listens, so it is in the output once /readyz answered.
  const found = new RegExp(`BOOTSTRAP_ADMIN: one-time link[^\\n]*?(${origin.replace(/[.:/]/g, '\\$&')}/#link=[A-Za-z0-9_-]{43})`).exec(kg.output());
  if (!found) {
    await kg.stop();
    throw new Error(`${name}: no BOOTSTRAP_ADMIN link in keygate's output:\n${kg.output()}`);
  }
  return { kg, origin, link: found[1]! };
}

/** The fragment of a link (`#link=<secret>`), for Tab.open(). */
export const fragmentOf = (link: string): string => link.slice(link.indexOf('#'));

/** On the link page: picks the authenticator, clicks "Register your security key", resolves with the status message and the options keygate sent. */
export async function registerWithLink(page: Page, type: 'Security key' | 'Passkey on this device'): Promise<{ outcome: Outcome; options: Record<string, any> | undefined }> {
  const form = page.getByTestId('link-form');
  await form.getByLabel(type, { exact: true }).check();
  let options: Record<string, any> | undefined;
  const seen = page.waitForResponse((r) => r.url().endsWith('/link/options'), { timeout: STEP_TIMEOUT_MS }).then(async (r) => {
    options = (await r.json()) as Record<string, any>;
  });
  const outcome = await outcomeOf(page, () => form.getByRole('button', { name: 'Register your security key' }).click());
  await seen.catch(() => undefined);
  return { outcome, options };
}

/** Clicks "Administration" in the navigation and waits for the users list. */
export async function openAdmin(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
  await page.locator('[data-testid="admin-user-list"][data-loaded]').waitFor({ state: 'attached' });
}

export interface AdminUserRow {
  id: string;
  username: string;
  role: string;
}

/** The users the admin page lists (after its last load). */
export async function adminUsers(page: Page): Promise<AdminUserRow[]> {
  const rows = await page.getByTestId('admin-user').all();
  return Promise.all(rows.map(async (r) => ({
    id: (await r.getAttribute('data-user-id')) ?? '',
    username: (await r.getAttribute('data-username')) ?? '',
    role: (await r.getAttribute('data-role')) ?? '',
  })));
}

/** Types `text` into "Search users", submits, and waits for the list to reload. */
export async function searchUsers(page: Page, text: string): Promise<AdminUserRow[]> {
  const list = page.getByTestId('admin-user-list');
  const before = (await list.getAttribute('data-loaded')) ?? '';
  await page.getByLabel('Search users').fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction((b) => (document.querySelector<HTMLElement>('[data-testid="admin-user-list"]')?.dataset.loaded ?? '') !== b, before, { timeout: STEP_TIMEOUT_MS });
  return adminUsers(page);
}

/** "Show keys" for `username`; resolves with the detail section once that user is shown. */
export async function openUser(page: Page, username: string): Promise<Locator> {
  const row = page.locator(`[data-testid="admin-user"][data-username="${username}"]`);
  const id = await row.getAttribute('data-user-id');
  await row.getByRole('button', { name: 'Show keys' }).click();
  const detail = page.locator(`[data-testid="admin-user-detail"][data-user-id="${id}"][data-loaded]`);
  await detail.waitFor();
  return detail;
}

export interface AdminCredentialInfo {
  id: string;
  model: string;
  claimed: boolean;
  attestation: string;
  source: string | null;
  mds: string;
  policy: string;
  disabled: string | null;
}

const textOf = async (scope: Locator, testid: string): Promise<string | null> =>
  (await scope.getByTestId(testid).count()) > 0 ? ((await scope.getByTestId(testid).first().textContent()) ?? '').trim() : null;

/** The credential cards inside `scope` (a user's detail). */
export async function adminCredentials(scope: Locator): Promise<AdminCredentialInfo[]> {
  const cards = await scope.getByTestId('admin-credential').all();
  return Promise.all(cards.map(async (c) => ({
    id: (await c.getAttribute('data-credential-id')) ?? '',
    model: (await textOf(c, 'credential-model')) ?? '',
    claimed: (await c.getByTestId('credential-model-claimed').count()) > 0,
    attestation: (await textOf(c, 'admin-attestation')) ?? '',
    source: await textOf(c, 'admin-attestation-source'),
    mds: (await textOf(c, 'admin-mds')) ?? '',
    policy: (await textOf(c, 'admin-policy')) ?? '',
    disabled: await textOf(c, 'admin-disabled'),
  })));
}

/** A value of the MDS3 status panel (`admin-mds-configured`, `admin-mds-entries`, ...), once loaded. */
export async function mdsValue(page: Page, testid: string): Promise<string | null> {
  const panel = page.locator('[data-testid="admin-mds-status"][data-loaded]');
  await panel.waitFor({ state: 'attached' });
  return textOf(panel, testid);
}

/** The audit event types the admin page lists (newest first), once loaded. */
/**
 * The event types the admin page's audit panel lists, once it lists every one of `expected`
 * (bounded: then it answers what it has, and the caller's assertion says what is missing).
 * The page announces an action's outcome before it reloads the panel, so the panel read right
 * after an announcement may still be the previous load.
 */
export async function auditTypes(page: Page, expected: string[] = []): Promise<string[]> {
  await page.locator('[data-testid="admin-audit"][data-loaded]').waitFor({ state: 'attached' });
  await page
    .waitForFunction(
      (want) => {
        const have = new Set(Array.from(document.querySelectorAll('[data-testid="admin-audit-event"]'), (e) => e.getAttribute('data-type')));
        return want.every((t) => have.has(t));
      },
      expected,
      { timeout: 5000 },
    )
    .catch(() => undefined);
  const items = await page.getByTestId('admin-audit-event').all();
  return Promise.all(items.map(async (i) => (await i.getAttribute('data-type')) ?? ''));
}
