/**
 * End to end, administration (issue 8): a real keygate PROCESS started the way an operator
 * starts a first administrator (POLICY_FILE=dev, BOOTSTRAP_ADMIN=<name>; the one-time link
 * read from its log), the demo in Chromium with CDP virtual authenticators:
 *  - the link registers the admin's security key (keygate asks for `direct` attestation and
 *    UV, the admin policy's floor; the dev policy trusts Chrome's virtual batch certificate),
 *    signs them in and leaves no secret in the address bar;
 *  - the admin page lists users (search), shows a credential's verdicts (attestation trusted
 *    through `dev`, policy OK; a plain user's passkey: not trusted, model only claimed), the
 *    MDS3 panel (not configured) and the audit log; disable/enable and a recovery link work;
 *  - refusals on the link page (an unknown link, a synced passkey the admin policy refuses,
 *    with the rule), and an admin page opened after STEP_UP_MAX_AGE_SECONDS signs in again with
 *    the key and carries on.
 * ONE browser for the file; a fresh keygate process per test (and so per retry: a link works once).
 */
import { afterAll, afterEach, beforeAll, expect, jest, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import * as cdp from '../helpers/webauthn-cdp.js';
import { buildDemo, describeE2E, launchBrowser, newTab, RESULTS_DIR, type Tab } from './support/browser.js';
import * as ui from './support/demo-ui.js';
import * as admin from './support/admin-ui.js';

jest.retryTimes(1, { logErrorsBeforeRetry: true });

const T = 45_000; // per test (a keygate process starts in each); every step inside is bounded
const ACR_ADMIN = 'urn:keygate:acr:phrh';
const CHROME_MODEL = 'Chrome virtual authenticator (DevTools)';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeE2E('keygate administration in Chromium (BOOTSTRAP_ADMIN, POLICY_FILE=dev)', () => {
  let browser: Browser;
  let server: admin.AdminKeygate | undefined;
  const tabs: Tab[] = [];
  const open = async (name: string) => {
    const t = await newTab(browser, server!.origin, name);
    tabs.push(t);
    return t;
  };

  beforeAll(async () => {
    buildDemo();
    browser = await launchBrowser();
    console.log(`e2e admin: Chromium ${browser.version()}; screenshots in ${RESULTS_DIR}`);
  }, T);
  afterEach(async () => {
    const problems = tabs.flatMap((t) => t.problems);
    await Promise.all(tabs.splice(0).map((t) => t.close()));
    await server?.kg.stop();
    server = undefined;
    expect(problems).toEqual([]); // no uncaught page errors, no CSP violations
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('the BOOTSTRAP_ADMIN link registers a trusted key; the admin page shows users, verdicts, MDS status and audit', async () => {
    server = await admin.startAdminKeygate('admin-e2e');
    expect(server.link.startsWith(`${server.origin}/#link=`)).toBe(true);

    // The first administrator opens the link with a ctap2/usb key (UV, resident keys).
    const t = await open('admin link and admin page');
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true, residentKeys: true });
    await t.open(admin.fragmentOf(server.link));
    await t.page.getByRole('heading', { name: 'Register your security key', level: 1 }).waitFor();
    await t.shot('link page');
    const { outcome, options } = await admin.registerWithLink(t.page, 'Security key');
    expect(outcome).toMatchObject({ kind: 'success', text: expect.stringContaining('Signed in as root-admin (root-admin) with your new security key') });
    // The admin policy's floor: keygate itself asks for a direct attestation and UV.
    expect(options).toMatchObject({ attestation: 'direct', authenticatorSelection: { userVerification: 'required' }, user: { name: 'root-admin' } });
    await t.page.getByRole('heading', { name: 'Account security', level: 1 }).waitFor();
    expect(new URL(t.page.url()).hash).toBe('#/account'); // the secret is gone from the address bar
    expect(await t.page.getByTestId('session-acr').textContent()).toBe(ACR_ADMIN);
    const [own] = await ui.credentialCards(t.page);
    expect(own).toMatchObject({ model: CHROME_MODEL, fmt: 'packed' });
    const ownCard = t.page.getByTestId('credential').first();
    expect(await ownCard.getByTestId('credential-model-verified').count()).toBe(1);
    expect(await ownCard.getByTestId('credential-model-claimed').count()).toBe(0);
    await t.shot('admin account');

    // The admin page: the admin is listed, with a trusted key that satisfies the admin policy.
    await admin.openAdmin(t.page);
    expect(await admin.adminUsers(t.page)).toEqual([expect.objectContaining({ username: 'root-admin', role: 'admin' })]);
    const detail = await admin.openUser(t.page, 'root-admin');
    const [cred] = await admin.adminCredentials(detail);
    expect(cred).toMatchObject({ id: own!.id, model: CHROME_MODEL, claimed: false, source: 'dev', disabled: null });
    expect(cred!.attestation).toMatch(/^Trusted/);
    expect(cred!.policy).toMatch(/^OK/);
    expect(cred!.mds).toMatch(/^Not listed/);
    expect(await admin.mdsValue(t.page, 'admin-mds-configured')).toMatch(/^No/);
    expect(await admin.mdsValue(t.page, 'admin-mds-entries')).toBe('0');
    const bootstrapEvents = ['admin.created', 'link.issued', 'link.used', 'registration.succeeded'];
    expect(await admin.auditTypes(t.page, bootstrapEvents)).toEqual(expect.arrayContaining(bootstrapEvents));
    await t.shot('admin page');

    // A plain user registers in another browser context, with a passkey (attestation none: the model is only claimed).
    const u = await open('plain user');
    await cdp.addPlatformAuthenticator(u.cdp, { uv: true });
    await u.open('#/register');
    expect((await ui.register(u.page, { username: 'plain-bob', displayName: 'Bob Plain', type: 'Passkey on this device', uv: 'required' })).kind).toBe('success');
    const bobCard = u.page.getByTestId('credential').first();
    await u.page.locator('[data-testid="credential-list"][data-loaded]').waitFor({ state: 'attached' });
    expect(await bobCard.getByTestId('credential-model-claimed').count()).toBe(1);
    expect(await u.page.getByRole('navigation').getByRole('link', { name: 'Administration' }).count()).toBe(0);
    await u.shot('plain user account');

    // The admin sees them (search), and their passkey's verdicts.
    expect((await admin.searchUsers(t.page, '')).map((r) => r.username).sort()).toEqual(['plain-bob', 'root-admin']);
    expect(await admin.searchUsers(t.page, 'bob')).toEqual([expect.objectContaining({ username: 'plain-bob', role: 'user' })]);
    const bob = await admin.openUser(t.page, 'plain-bob');
    const [bobCred] = await admin.adminCredentials(bob);
    expect(bobCred).toMatchObject({ model: CHROME_MODEL, claimed: true, disabled: null });
    expect(bobCred!.attestation).toMatch(/^Not trusted/);
    expect(bobCred!.policy).toMatch(/^OK/);

    // Disable, then enable it again; each answered and shown.
    const bobCredCard = bob.locator(`[data-testid="admin-credential"][data-credential-id="${bobCred!.id}"]`);
    await bobCredCard.getByLabel(/Reason/).fill('lost laptop');
    expect(await ui.outcomeOf(t.page, () => bobCredCard.getByRole('button', { name: 'Disable' }).click())).toMatchObject({ kind: 'success' });
    const [disabled] = await admin.adminCredentials(t.page.getByTestId('admin-user-detail'));
    expect(disabled!.disabled).toMatch(/^by admin/);
    expect(await t.page.getByTestId('admin-disabled-reason').textContent()).toBe('lost laptop');
    await t.shot('bob disabled');
    expect(await ui.outcomeOf(t.page, () => t.page.getByTestId('admin-credential').getByRole('button', { name: 'Enable' }).click())).toMatchObject({ kind: 'success' });
    expect((await admin.adminCredentials(t.page.getByTestId('admin-user-detail')))[0]!.disabled).toBeNull();

    // A recovery link for bob: shown, on this origin.
    expect(await ui.outcomeOf(t.page, () => t.page.getByRole('button', { name: 'Issue recovery link' }).click())).toMatchObject({ kind: 'success', text: 'Recovery link issued for plain-bob.' });
    expect(await t.page.getByLabel('Recovery link for plain-bob').inputValue()).toMatch(new RegExp(`^${server.origin}/#link=[A-Za-z0-9_-]{43}$`));
    const adminEvents = ['admin.credential_disabled', 'admin.credential_enabled', 'admin.recovery_link_issued'];
    expect(await admin.auditTypes(t.page, adminEvents)).toEqual(expect.arrayContaining(adminEvents));
    await t.shot('recovery link');
  }, T);

  test('link refusals (unknown link, a synced passkey against the admin policy), then a stale admin session steps up', async () => {
    server = await admin.startAdminKeygate('admin-e2e-refusals', { STEP_UP_MAX_AGE_SECONDS: '3' });
    const t = await open('admin link refusals');

    // An unknown (or used, or expired) link: explained, nothing else happens.
    const usb = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open(`#link=${'A'.repeat(43)}`);
    const unknown = await admin.registerWithLink(t.page, 'Security key');
    expect(unknown.outcome).toMatchObject({ kind: 'error', text: expect.stringContaining('This link is not valid') });
    await t.shot('unknown link');

    // A synced passkey (backup eligible) is refused by the admin policy, naming the rule; the link stays usable.
    await cdp.removeVirtualAuthenticator(t.cdp, usb);
    const synced = await cdp.addPlatformAuthenticator(t.cdp, { uv: true, synced: true });
    await t.open(admin.fragmentOf(server.link));
    const refused = await admin.registerWithLink(t.page, 'Passkey on this device');
    expect(refused.outcome).toMatchObject({ kind: 'error', text: expect.stringContaining('(policy rule: syncedAllowed)') });
    expect(await t.page.getByTestId('link-error').textContent()).toContain('(policy rule: syncedAllowed)');
    expect(new URL(t.page.url()).hash).toBe(admin.fragmentOf(server.link)); // still on the link
    await t.shot('synced passkey refused');

    await cdp.removeVirtualAuthenticator(t.cdp, synced);
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    expect((await admin.registerWithLink(t.page, 'Security key')).outcome.kind).toBe('success');
    await t.page.getByRole('heading', { name: 'Account security', level: 1 }).waitFor();

    // After STEP_UP_MAX_AGE_SECONDS the admin API answers step_up_required: the page signs in again with the key, then loads.
    await sleep(3_500);
    await admin.openAdmin(t.page);
    expect(await ui.devValue(t.page, 'dev-ceremony')).toContain('Confirm it is you (root-admin)');
    expect(await admin.adminUsers(t.page)).toEqual([expect.objectContaining({ username: 'root-admin', role: 'admin' })]);
    expect(await admin.mdsValue(t.page, 'admin-mds-configured')).toMatch(/^No/);
    await t.shot('admin page after step-up');
  }, T);
});
