/**
 * End to end: Debian Chromium (playwright-core) drives the keygate demo UI against a real
 * in-process keygate, with CDP virtual authenticators standing in for security keys and
 * passkeys. ONE browser for the file; a fresh context + tab per test. Screenshots of every
 * state go to test-results/e2e/ (printed at start). See support/ for the plumbing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, jest, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { startKeygate, type RunningKeygate } from '../helpers/start-keygate.js';
import * as cdp from '../helpers/webauthn-cdp.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { ERROR_CATALOGUE } from '../../server/src/errors/error-catalogue.js';
import { buildDemo, describeE2E, launchBrowser, newTab, RESULTS_DIR, type Tab } from './support/browser.js';
import * as ui from './support/demo-ui.js';

// A real browser on a loaded 2-core CI machine: one retry per test, with the first failure
// logged, so a timing hiccup does not block a landing while a real fault still fails twice.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const T = 30_000; // per test; every step inside is bounded by STEP_TIMEOUT_MS / CDP_TIMEOUT_MS
const CHROME_AAGUID = '01020304-0506-0708-0102-030405060708';

describeE2E('keygate demo in Chromium with virtual authenticators', () => {
  let browser: Browser;
  let kg: RunningKeygate;
  let tab: Tab | undefined;
  const open = async (name: string, viewport?: { width: number; height: number }) => (tab = await newTab(browser, kg.url, name, viewport));

  beforeAll(async () => {
    buildDemo();
    browser = await launchBrowser();
    console.log(`e2e: Chromium ${browser.version()}; screenshots in ${RESULTS_DIR}`);
  }, T);
  // A fresh in-process keygate (memory store) per test, and so per retry: cheap, and no test
  // (or retried attempt) sees another's users.
  beforeEach(async () => {
    kg = await startKeygate();
  });
  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.close();
    tab = undefined;
    await kg?.close();
    expect(problems).toEqual([]); // no uncaught page errors, no CSP violations
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('ctap2/usb security key with UV: register, sign out, sign in by username; the counter grows', async () => {
    const t = await open('usb security key');
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    await t.shot('sign-in page');
    const reg = await ui.register(t.page, { username: 'usb-alice', displayName: 'Alice Usb', type: 'Security key', uv: 'required' });
    expect(reg).toMatchObject({ kind: 'success', text: expect.stringContaining('signed in as usb-alice') });
    expect(await ui.devValue(t.page, 'dev-fmt')).toBe('packed');
    expect(await ui.devValue(t.page, 'dev-aaguid')).toBe(CHROME_AAGUID);
    expect(await ui.devValue(t.page, 'dev-cert-subject')).toContain('Batch Certificate');
    expect(await ui.devValue(t.page, 'dev-flags')).toBe('UP yes · UV yes · BE no · BS no');
    const [card0] = await ui.credentialCards(t.page);
    expect(card0).toMatchObject({ kind: 'Security key', model: 'Chrome virtual authenticator (DevTools)', fmt: 'packed', lastUsed: 'Never', cloned: false });
    await t.shot('account after registration');
    expect(await ui.renameCredential(t.page, card0!.id, 'Blue USB key')).toEqual({ kind: 'success', text: 'Renamed to "Blue USB key".' });
    expect((await ui.credentialCards(t.page))[0]!.name).toBe('Blue USB key');

    let counter = card0!.counter;
    for (const round of [1, 2]) {
      await ui.signOut(t.page);
      const out = await ui.signInWithUsername(t.page, 'usb-alice', 'required');
      expect(out).toMatchObject({ kind: 'success', text: expect.stringContaining('Signed in as Alice Usb (usb-alice)') });
      const [card] = await ui.credentialCards(t.page);
      expect(card!.counter).toBeGreaterThan(counter);
      expect(card!.lastUsed).not.toBe('Never');
      counter = card!.counter;
      await t.shot(`account after sign-in ${round}`);
    }
  }, T);

  test('ctap2/internal passkey: usernameless sign-in (autofill cancelled by the button), then passkey autofill', async () => {
    const t = await open('platform passkey');
    const pk = await cdp.addPlatformAuthenticator(t.cdp, { uv: true });
    await t.open('#/register');
    await t.shot('register page');
    expect((await ui.register(t.page, { username: 'pk-bob', displayName: 'Bob Passkey', type: 'Passkey on this device', uv: 'required' })).kind).toBe('success');
    expect((await ui.credentialCards(t.page))[0]).toMatchObject({ kind: 'Device-bound passkey', fmt: 'none' });
    expect(await ui.devValue(t.page, 'dev-aaguid')).toBe(CHROME_AAGUID); // kept with `none` on a platform authenticator
    expect(await ui.devValue(t.page, 'dev-flags')).toBe('UP yes · UV yes · BE no · BS no');

    // Presence off: autofill waits like a person who has not picked a passkey yet.
    await cdp.setPresenceSimulation(t.cdp, pk, false);
    await ui.signOut(t.page);
    await ui.autofillState(t.page, 'waiting');
    await t.shot('sign-in with autofill waiting');
    await cdp.setPresenceSimulation(t.cdp, pk, true);
    const out = await ui.signInWithPasskey(t.page);
    expect(out).toMatchObject({ kind: 'success', text: 'Signed in as Bob Passkey (pk-bob) with a passkey.' });
    expect(await ui.devValue(t.page, 'dev-ceremony')).toContain('usernameless');
    await t.shot('account after usernameless sign-in');

    // Presence on: the virtual authenticator answers the conditional request at once.
    await ui.signOut(t.page, { waitForSignInPage: false });
    await ui.waitForStatus(t.page, /Signed in as Bob Passkey \(pk-bob\) with a passkey from autofill/, 'success');
    await t.page.getByRole('heading', { name: 'Account security' }).waitFor();
    expect(await ui.devValue(t.page, 'dev-ceremony')).toContain('passkey autofill');
    await t.shot('account after passkey autofill');
  }, T);

  // A u2f/usb legacy key cannot verify the user, and keygate requires UV for passwordless
  // accounts: its test (fido-u2f registration and sign-in at 360 px) is in
  // second-factors.test.ts, as the second factor of a password account.

  test('user verification fails: refused with a clear message (browser-side and server-side)', async () => {
    const t = await open('uv failure');
    const key = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    expect((await ui.register(t.page, { username: 'uv-dave', type: 'Security key', uv: 'required' })).kind).toBe('success');
    await ui.signOut(t.page);

    await cdp.setUserVerified(t.cdp, key, false); // Chromium itself refuses: nothing reaches keygate
    const browserSide = await ui.signInWithUsername(t.page, 'uv-dave', 'required');
    expect(browserSide).toMatchObject({ kind: 'error', text: expect.stringMatching(/^The request was cancelled or timed out/) });
    expect(await ui.devValue(t.page, 'dev-browser-error')).toMatch(/^NotAllowedError/);
    await t.shot('uv failed in the browser');

    await cdp.setUserVerified(t.cdp, key, true);
    await cdp.setResponseOverrideBits(t.cdp, key, { isBadUV: true }); // UV flag cleared: keygate refuses
    const serverSide = await ui.signInWithUsername(t.page, 'uv-dave', 'required');
    expect(serverSide).toEqual({ kind: 'error', text: 'Your authenticator did not verify you (PIN or biometric). Please try again.' });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('user_verification_missing');
    expect(await ui.devValue(t.page, 'dev-error-detail')).toContain('UV is 0');
    await t.page.getByRole('link', { name: 'Sign in', exact: true }).waitFor(); // still signed out
    await t.shot('uv refused by keygate');
  }, T);

  test('the same key registered twice for one user is prevented', async () => {
    const t = await open('same key twice');
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    expect((await ui.register(t.page, { username: 'twice-erin', type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    const again = await ui.addAnother(t.page, { type: 'Security key', uv: 'preferred' });
    expect(again).toMatchObject({ kind: 'error', text: expect.stringMatching(/^This security key is already registered/) });
    expect(await ui.devValue(t.page, 'dev-browser-error')).toMatch(/^InvalidStateError/);
    expect(await ui.credentialCards(t.page)).toHaveLength(1);
    await t.shot('second registration refused');
  }, T);

  test('a credential removed on the account page can no longer sign in', async () => {
    const t = await open('removed credential');
    const pk = await cdp.addPlatformAuthenticator(t.cdp);
    await t.open('#/register');
    expect((await ui.register(t.page, { username: 'rm-frank', type: 'Passkey on this device', uv: 'preferred' })).kind).toBe('success');
    const [first] = await ui.credentialCards(t.page);
    const lastOne = await ui.removeCredential(t.page, first!.id);
    expect(lastOne).toEqual({ kind: 'error', text: 'This is your last way to sign in. Add another security key, passkey or authenticator app before removing it.' });
    await t.shot('the last credential cannot be removed');

    // Take passkey 1 out of the authenticator so that "Add another" can create passkey 2 there.
    const [saved1] = await cdp.getCredentials(t.cdp, pk);
    await cdp.removeCredential(t.cdp, pk, saved1!.credentialId);
    expect((await ui.addAnother(t.page, { type: 'Passkey on this device', uv: 'preferred' })).kind).toBe('success');
    const [saved2] = await cdp.getCredentials(t.cdp, pk);
    expect((await ui.removeCredential(t.page, saved1!.credentialId)).kind).toBe('success');
    expect((await ui.credentialCards(t.page)).map((c) => c.id)).toEqual([saved2!.credentialId]);
    await t.shot('account after removal');

    // The authenticator still holds ONLY the removed passkey: autofill offers it, keygate refuses it.
    await cdp.removeCredential(t.cdp, pk, saved2!.credentialId);
    await cdp.addCredential(t.cdp, pk, saved1!);
    await ui.signOut(t.page);
    await ui.waitForStatus(t.page, /not registered for this sign-in/, 'error');
    const out = await ui.signInWithPasskey(t.page);
    expect(out).toEqual({ kind: 'error', text: ERROR_CATALOGUE.unknown_credential.message });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('unknown_credential');
    await t.shot('removed passkey refused');
  }, T);

  test('a cloned key (same credential, lower counter) is refused and flagged on the account page', async () => {
    const t = await open('cloned key');
    const original = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    expect((await ui.register(t.page, { username: 'clone-grace', type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    await ui.signOut(t.page);
    expect((await ui.signInWithUsername(t.page, 'clone-grace')).kind).toBe('success');
    const [saved1] = await cdp.getCredentials(t.cdp, original);
    // A second key for the account (on the same virtual device, with key 1 taken out so excludeCredentials lets it).
    await cdp.removeCredential(t.cdp, original, saved1!.credentialId);
    expect((await ui.addAnother(t.page, { type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    const [saved2] = await cdp.getCredentials(t.cdp, original);
    await cdp.removeVirtualAuthenticator(t.cdp, original);

    // The clone: key 1's id and private key on another authenticator, counter reset.
    const clone = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await cdp.addCredential(t.cdp, clone, { ...saved1!, signCount: 0 });
    await ui.signOut(t.page);
    const refused = await ui.signInWithUsername(t.page, 'clone-grace');
    expect(refused).toEqual({ kind: 'error', text: 'This security key reported an unexpected state and was blocked as a precaution. Contact your administrator.' });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('counter_regression');
    await t.shot('cloned key refused');

    // Sign in with key 2; the account page flags key 1.
    await cdp.removeCredential(t.cdp, clone, saved1!.credentialId);
    await cdp.addCredential(t.cdp, clone, saved2!);
    expect((await ui.signInWithUsername(t.page, 'clone-grace')).kind).toBe('success');
    const cards = await ui.credentialCards(t.page);
    expect(cards.find((c) => c.id === saved1!.credentialId)).toMatchObject({ cloned: true });
    expect(cards.find((c) => c.id === saved2!.credentialId)).toMatchObject({ cloned: false });
    await t.page.getByText('Possibly cloned').waitFor();
    await t.shot('account flags the cloned key');
  }, T);

  test('"Sign out everywhere else" ends the sign-in of another browser, and this one stays', async () => {
    const t = await open('sign out everywhere else');
    const key = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    expect((await ui.register(t.page, { username: 'laptop-lea', type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    // The same key plugged into another computer: a second browser context signs in with it.
    const [saved] = await cdp.getCredentials(t.cdp, key);
    const other = await newTab(browser, kg.url, 'sign out everywhere else (other browser)');
    try {
      await cdp.addCredential(other.cdp, await cdp.addSecurityKey(other.cdp, { protocol: 'ctap2', uv: true }), saved!);
      await other.open('#/sign-in');
      expect((await ui.signInWithUsername(other.page, 'laptop-lea')).kind).toBe('success');
      await other.page.getByRole('heading', { name: 'Account security' }).waitFor();

      const ended = await ui.outcomeOf(t.page, () => t.page.getByTestId('logout-others').click());
      expect(ended).toEqual({ kind: 'success', text: 'Signed out 1 other session. This one stays signed in.' });
      await t.shot('signed out everywhere else');
      // A reload asks keygate again (a hash change alone would not).
      await other.page.reload();
      await other.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
      await t.page.reload();
      await t.page.getByRole('heading', { name: 'Account security' }).waitFor();
      // Recent activity tells the story, newest first: sign-out elsewhere, the other browser's sign-in, the registration.
      await t.page.locator('[data-testid="activity-list"][data-loaded]').waitFor({ state: 'attached' });
      const types = await t.page.getByTestId('activity-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
      expect(types).toEqual(['session.logout_others', 'authentication.succeeded', 'registration.succeeded']);
      await expect(t.page.getByTestId('activity-item').first().textContent()).resolves.toContain('Signed out everywhere else');
      await t.page.getByRole('heading', { name: 'Recent activity' }).scrollIntoViewIfNeeded();
      await t.shot('recent activity');
      expect(await ui.outcomeOf(t.page, () => t.page.getByTestId('logout-others').click())).toEqual({ kind: 'success', text: 'You were not signed in anywhere else.' });
      expect(other.problems).toEqual([]);
    } finally {
      await other.close();
    }
  }, T);

  test('two tabs of one browser: passkey autofill opened in a second tab does not break a registration in progress in the first', async () => {
    const t = await open('two tabs');
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open('#/register');
    // Hold the registration's result in tab 1 until tab 2 has started its own ceremony.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let arrived!: () => void;
    const resultArrived = new Promise<void>((r) => (arrived = r));
    await t.page.route('**/attestation/result', async (route) => {
      arrived();
      await held;
      await route.continue();
    });
    const registering = ui.register(t.page, { username: 'tabs-tara', type: 'Security key', uv: 'preferred' });
    await resultArrived;
    // Tab 2, same browser (same session cookie): the sign-in page starts passkey autofill.
    const second = await t.page.context().newPage();
    try {
      const cdp2 = await cdp.enableVirtualAuthenticators(second);
      await cdp.setPresenceSimulation(cdp2, await cdp.addPlatformAuthenticator(cdp2, { uv: true }), false);
      const autofillOptions = second.waitForResponse((r) => r.url().endsWith('/assertion/options') && r.ok());
      await second.goto(`${kg.url}/#/sign-in`);
      await autofillOptions;
      await ui.autofillState(second, 'waiting');
      release();
      expect((await registering).kind).toBe('success');
      await t.page.getByRole('heading', { name: 'Account security' }).waitFor();
      await t.shot('registration finished beside autofill');
    } finally {
      release();
      await second.close();
    }
  }, T);

  test('removing a key after the step-up window first asks to confirm with a sign-in', async () => {
    const clock = new FixedClock(Date.now());
    const strict = await startKeygate({ clock });
    try {
      const t = (tab = await newTab(browser, strict.url, 'step-up'));
      const key = await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
      await t.open();
      expect((await ui.register(t.page, { username: 'stepup-sam', type: 'Security key', uv: 'preferred' })).kind).toBe('success');
      // A second key while the sign-in is fresh (key 1 taken out so excludeCredentials lets it), then key 1 back.
      const [key1] = await cdp.getCredentials(t.cdp, key);
      await cdp.removeCredential(t.cdp, key, key1!.credentialId);
      expect((await ui.addAnother(t.page, { type: 'Security key', uv: 'preferred' })).kind).toBe('success');
      const key2 = (await cdp.getCredentials(t.cdp, key))[0]!;
      await cdp.addCredential(t.cdp, key, key1!);

      clock.advance((strict.config.stepUpMaxAgeSeconds + 1) * 1000);
      const removed = await ui.removeCredential(t.page, key2.credentialId);
      expect(removed).toMatchObject({ kind: 'success', text: expect.stringContaining('Removed') });
      expect(await ui.devValue(t.page, 'dev-ceremony')).toContain('Confirm it is you (stepup-sam)');
      expect((await ui.credentialCards(t.page)).map((c) => c.id)).toEqual([key1!.credentialId]);
      await t.shot('removed after step-up');
    } finally {
      await strict.close();
    }
  }, T);
});
