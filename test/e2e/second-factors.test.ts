/**
 * End to end, password + second factor paths of the demo (keygate with PASSWORD_LOGIN=true):
 * password signup and enrolment of a key or an authenticator app, password sign-in finished
 * with a key (ctap2 and legacy u2f), a TOTP code or a recovery code, the lockout message,
 * and step-up (password + TOTP) before removing the authenticator app. Same plumbing as
 * demo.test.ts: ONE browser, a fresh context + tab and a fresh in-process keygate per test,
 * bounded waits, screenshots in test-results/e2e/. TOTP codes are computed here from the
 * secret the page shows, at the SERVER's time (the FixedClock where a test uses one).
 */
import { afterAll, afterEach, beforeAll, expect, jest, test } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import * as cdp from '../helpers/webauthn-cdp.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { describeE2E } from './support/browser.js';
import { keygateTabs } from './support/keygate-tabs.js';
import * as ui from './support/demo-ui.js';
import * as pw from './support/password-ui.js';
import { TOTP_STEP_MS, totpCode } from './support/totp-codes.js';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // as demo.test.ts: one logged retry against timing hiccups

const T = 30_000;
const PASSWORD = 'correct horse battery staple';
const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';

describeE2E('keygate demo: passwords and second factors in Chromium', () => {
  const { start } = keygateTabs({ env: { PASSWORD_LOGIN: 'true' }, timeoutMs: T });

  test('password + ctap2 security key: signup, enrol the key, then password and key; the session proves both', async () => {
    const { t } = await start('password + ctap2 key');
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open();
    await t.shot('sign-in page with password');
    await pw.signUpWithPassword(t.page, { username: 'pw-alice', displayName: 'Alice Pw', password: PASSWORD });
    await t.shot('enrolment page');
    const enrolled = await pw.enrolKey(t.page, { type: 'Security key', uv: 'preferred' });
    expect(enrolled).toMatchObject({ kind: 'success', text: expect.stringMatching(/^Signed in as Alice Pw \(pw-alice\) with your password and "/) });
    expect(await pw.methodState(t.page, 'password')).toBe('Set');
    expect(await pw.methodState(t.page, 'keys')).toBe('1 registered');

    await ui.signOut(t.page);
    await pw.enterPassword(t.page, 'pw-alice', PASSWORD);
    await t.shot('second step');
    const out = await pw.secondStepKey(t.page);
    expect(out).toEqual({ kind: 'success', text: 'Signed in as Alice Pw (pw-alice) with your password and security key.' });
    await expect(t.page.getByTestId('session-proof').textContent()).resolves.toMatch(/^This sign-in proved: password \+ .*(security key|passkey).* \(mfa\)\.$/);
    expect(await ui.devValue(t.page, 'dev-amr')).toMatch(/^pwd (hwk|swk) mfa$/);
    await t.shot('account after password + key');

    // A fresh password + key sign-in may change the password at once (no step-up).
    const card = t.page.getByTestId('method-password');
    await card.getByRole('button', { name: 'Change password' }).click();
    await card.getByLabel('New password').fill('a brand new passphrase');
    expect(await ui.outcomeOf(t.page, () => card.getByRole('button', { name: 'Save password' }).click())).toEqual({ kind: 'success', text: 'Your password was changed.' });
    await ui.signOut(t.page);
    expect((await pw.passwordRefused(t.page, 'pw-alice', PASSWORD)).kind).toBe('error');
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('invalid_credentials');
    await pw.enterPassword(t.page, 'pw-alice', 'a brand new passphrase');
    expect((await pw.secondStepKey(t.page)).kind).toBe('success');
  }, T);

  test('password + u2f legacy key at 360 px: fido-u2f enrolment, password and key (no UV needed), step-up with password + key', async () => {
    const clock = new FixedClock(Date.now());
    const { t, kg } = await start('password + u2f key 360px', { clock }, { width: 360, height: 780 });
    await cdp.addSecurityKey(t.cdp, { protocol: 'u2f' });
    await t.open();
    await pw.signUpWithPassword(t.page, { username: 'u2f-carol', password: PASSWORD });
    expect((await pw.enrolKey(t.page, { type: 'Security key', uv: 'discouraged' })).kind).toBe('success');
    expect(await ui.devValue(t.page, 'dev-fmt')).toBe('fido-u2f');
    expect(await ui.devValue(t.page, 'dev-aaguid')).toBe(ZERO_AAGUID);
    expect(await ui.devValue(t.page, 'dev-flags')).toBe('UP yes · UV no · BE no · BS no');
    expect((await ui.credentialCards(t.page))[0]).toMatchObject({ fmt: 'fido-u2f', model: 'Unknown model', kind: 'Security key', counter: 0 });
    await t.shot('account after u2f enrolment');

    await ui.signOut(t.page);
    await pw.enterPassword(t.page, 'u2f-carol', PASSWORD);
    expect((await pw.secondStepKey(t.page)).kind).toBe('success');
    expect((await ui.credentialCards(t.page))[0]!.counter).toBe(2); // U2F registrations carry no counter; the device's is already 1
    await t.shot('account after password + u2f');
    expect(await t.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);

    // Later, new recovery codes need a step-up; a key without UV only counts after the password.
    clock.advance((kg.config.stepUpMaxAgeSeconds + 1) * 1000);
    const generated = await ui.outcomeOf(t.page, async () => {
      await t.page.getByTestId('method-recovery').getByRole('button', { name: 'Generate recovery codes' }).click();
      const dialog = t.page.getByRole('dialog', { name: 'Confirm it is you' });
      await dialog.getByLabel('Password').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Continue' }).click();
      await t.shot('step-up dialog at 360 px');
      await dialog.getByRole('button', { name: 'Use your security key' }).click();
    });
    expect(generated).toEqual({ kind: 'success', text: '10 new recovery codes. Save them now: they will not be shown again.' });
    expect(await t.page.getByTestId('recovery-codes').getByRole('listitem').count()).toBe(10);
    expect(await t.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await t.shot('recovery codes after step-up at 360 px');
  }, T);

  test('password signup + authenticator app, later password + TOTP code (a wrong code is refused)', async () => {
    const { t } = await start('password + totp');
    await t.open('#/register');
    await pw.signUpWithPassword(t.page, { username: 'totp-bob', displayName: 'Bob Totp', password: PASSWORD });
    const { secret, outcome } = await pw.setUpTotp(t.page);
    expect(outcome).toEqual({ kind: 'success', text: 'Signed in as Bob Totp (totp-bob) with your password and authenticator app.' });
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    expect(await pw.methodState(t.page, 'totp')).toBe('On');
    await t.shot('account after totp enrolment');

    await ui.signOut(t.page);
    await pw.enterPassword(t.page, 'totp-bob', PASSWORD);
    const stale = await pw.secondStepCode(t.page, 'totp', totpCode(secret, Date.now() - 10 * TOTP_STEP_MS));
    expect(stale.kind).toBe('error');
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('invalid_code');
    await t.shot('wrong totp code');
    // The enrolment used this step's code: the next step's is inside the ±1 step window.
    const out = await pw.secondStepCode(t.page, 'totp', totpCode(secret, Date.now() + TOTP_STEP_MS));
    expect(out).toEqual({ kind: 'success', text: 'Signed in as Bob Totp (totp-bob) with your password and authenticator app.' });
    await expect(t.page.getByTestId('session-proof').textContent()).resolves.toBe('This sign-in proved: password + authenticator app code (mfa).');
    await t.shot('account after password + totp');
  }, T);

  test('recovery codes: shown once with Copy and Download, then a sign-in with one asks to add a new key', async () => {
    const { t, kg } = await start('recovery code');
    await t.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: kg.url });
    await t.open('#/register');
    await pw.signUpWithPassword(t.page, { username: 'rc-dana', displayName: 'Dana Rc', password: PASSWORD });
    expect((await pw.setUpTotp(t.page)).outcome.kind).toBe('success');
    const { outcome, codes } = await pw.generateRecoveryCodes(t.page);
    expect(outcome.kind).toBe('success');
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[A-Z0-9]{4}(-[A-Z0-9]{4})+$/);
    await t.page.getByTestId('recovery-codes-view').getByText('they will not be shown again').waitFor();
    await t.shot('recovery codes shown once');

    expect((await ui.outcomeOf(t.page, () => t.page.getByRole('button', { name: 'Copy', exact: true }).click())).kind).toBe('success');
    expect(await t.page.evaluate(() => navigator.clipboard.readText())).toBe(codes.join('\n'));
    const [download] = await Promise.all([t.page.waitForEvent('download'), t.page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toBe('keygate-recovery-codes.txt');
    const file = await readFile((await download.path())!, 'utf8');
    for (const c of codes) expect(file).toContain(c);
    await ui.outcomeOf(t.page, () => t.page.getByRole('button', { name: 'I have saved them' }).click());
    expect(await t.page.getByTestId('recovery-codes').count()).toBe(0); // gone from the page
    expect(await pw.methodState(t.page, 'recovery')).toBe('10 left');

    await ui.signOut(t.page);
    await pw.enterPassword(t.page, 'rc-dana', PASSWORD);
    const out = await pw.secondStepCode(t.page, 'recovery', codes[3]!);
    expect(out).toEqual({ kind: 'success', text: 'Signed in as Dana Rc (rc-dana) with a recovery code. 9 recovery codes left: add a new security key now.' });
    const banner = t.page.getByTestId('recovery-banner');
    await banner.getByRole('heading', { name: 'You signed in with a recovery code' }).waitFor();
    await expect(banner.getByTestId('recovery-remaining').textContent()).resolves.toBe('9 recovery codes are left.');
    await expect(t.page.getByTestId('session-proof').textContent()).resolves.toContain('recovery code');
    expect(await pw.methodState(t.page, 'recovery')).toBe('9 left');
    await t.shot('account after recovery-code sign-in');

    // The code is used up.
    await ui.signOut(t.page);
    await pw.enterPassword(t.page, 'rc-dana', PASSWORD);
    expect((await pw.secondStepCode(t.page, 'recovery', codes[3]!)).kind).toBe('error');
  }, T);

  test('too many wrong passwords: locked out, with the wait shown', async () => {
    const { t } = await start('lockout', { env: { LOCKOUT_THRESHOLD: '3' } });
    await t.open('#/register');
    await pw.signUpWithPassword(t.page, { username: 'lock-erin', password: PASSWORD });
    expect((await pw.setUpTotp(t.page)).outcome.kind).toBe('success');
    await ui.signOut(t.page);

    for (let i = 1; i <= 3; i++) {
      const wrong = await pw.passwordRefused(t.page, 'lock-erin', `wrong password ${i}`);
      expect(wrong.kind).toBe('error');
      expect(await ui.devValue(t.page, 'dev-error-code')).toBe('invalid_credentials');
    }
    const locked = await pw.passwordRefused(t.page, 'lock-erin', PASSWORD); // even the right one, now
    expect(locked).toEqual({ kind: 'error', text: expect.stringMatching(/^Too many wrong attempts: .* Try again in \d+ (seconds?|minutes?)\.$/) });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('locked_out');
    await expect(t.page.getByTestId('password-error').textContent()).resolves.toBe(locked.text);
    await t.shot('locked out');
  }, T);

  test('removing the authenticator app: refused as the last factor, then, with recovery codes as a fallback, allowed after a password + TOTP step-up', async () => {
    const clock = new FixedClock(Date.now());
    const { t, kg } = await start('step-up password + totp', { clock });
    const now = () => clock.now().getTime(); // keygate checks TOTP codes against this clock
    await t.open('#/register');
    await pw.signUpWithPassword(t.page, { username: 'stepup-tina', password: PASSWORD });
    const { secret } = await pw.setUpTotp(t.page, now);
    const totp = t.page.getByTestId('method-totp');
    const clickRemove = async () => {
      await totp.getByRole('button', { name: 'Remove', exact: true }).click();
      await totp.getByRole('button', { name: 'Yes, remove it' }).click();
    };

    const last = await ui.outcomeOf(t.page, clickRemove);
    expect(last).toEqual({ kind: 'error', text: 'This is your last way to sign in. Add another security key, passkey or authenticator app before removing it.' });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('last_factor');
    await expect(totp.getByTestId('totp-remove-error').textContent()).resolves.toBe(last.text);
    await t.shot('last factor refused');

    // Recovery codes keep a way in (password + code); the sign-in is still fresh, so no step-up yet.
    expect((await pw.generateRecoveryCodes(t.page)).codes).toHaveLength(10);
    await ui.outcomeOf(t.page, () => t.page.getByRole('button', { name: 'I have saved them' }).click());
    clock.advance((kg.config.stepUpMaxAgeSeconds + 1) * 1000);
    // Escape closes the step-up dialog and changes nothing.
    await clickRemove();
    await t.page.getByRole('dialog', { name: 'Confirm it is you' }).getByLabel('Password').waitFor();
    await t.page.keyboard.press('Escape');
    await t.page.getByRole('dialog').waitFor({ state: 'detached' });
    await ui.waitForStatus(t.page, /^Cancelled: nothing was changed\.$/, 'info');
    expect(await pw.methodState(t.page, 'totp')).toBe('On');

    const removed = await ui.outcomeOf(t.page, async () => {
      await clickRemove();
      // Without a key, keygate accepts exactly password + TOTP for a removal: the dialog asks for the password at once.
      const dialog = t.page.getByRole('dialog', { name: 'Confirm it is you' });
      await dialog.getByLabel('Password').fill(PASSWORD);
      await t.shot('step-up dialog');
      await dialog.getByRole('button', { name: 'Continue' }).click();
      await dialog.getByLabel('Code from your authenticator app').fill(totpCode(secret, now()));
      await dialog.getByRole('button', { name: 'Verify' }).click();
    });
    expect(removed).toEqual({ kind: 'success', text: 'Your authenticator app was removed. Its codes no longer sign you in.' });
    expect(await t.page.getByRole('dialog').count()).toBe(0);
    expect(await pw.methodState(t.page, 'totp')).toBe('Off');
    await expect(t.page.getByTestId('session-proof').textContent()).resolves.toBe('This sign-in proved: password + authenticator app code (mfa).');
    await t.shot('removed after step-up');
  }, T);
});
