/**
 * End to end, one-time codes by SMS and email in the demo (issue 10 points 2, 4, 5): keygate
 * with PASSWORD_LOGIN=true, OOB_CHANNELS=sms,email and the development delivery adapter
 * (DELIVERY=dev), whose messages the developer panel lists ("Messages", GET /dev/messages).
 * A password signup enrols a phone number as its first second factor with the code read from
 * the panel and lands signed in, warned that SMS is its only second factor; a password
 * sign-in finishes with "Get a code by text message" (a wrong code shows keygate's refusal;
 * the session's amr has `sms`); an email address added on the account page shows masked,
 * and removing it later steps up with the password and a code by text message.
 * Without DELIVERY=dev the panel has no "Messages". Same plumbing as second-factors.test.ts:
 * ONE browser, a fresh context + tab and a fresh in-process keygate per test, bounded waits,
 * screenshots in test-results/e2e/. keygate runs on a FixedClock stepped past the 30 s wait
 * between two codes for one user (its resend limit).
 */
import { afterAll, afterEach, beforeAll, expect, jest, test } from '@jest/globals';
import { FixedClock } from '../../server/src/lib/clock.js';
import { describeE2E } from './support/browser.js';
import { keygateTabs } from './support/keygate-tabs.js';
import * as ui from './support/demo-ui.js';
import * as oob from './support/oob-ui.js';
import * as pw from './support/password-ui.js';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // as the other e2e files: one logged retry against timing hiccups

const T = 30_000;
const PASSWORD = 'correct horse battery staple';
const PHONE = '+33 6 12 34 56 78';
const MASKED_PHONE = '+33•••••••78';
/** keygate sends at most one code per 30 s to one user and destination. */
const RESEND_WAIT_MS = 31_000;

describeE2E('keygate demo: codes by text message and email in Chromium', () => {
  const { start } = keygateTabs({ env: { PASSWORD_LOGIN: 'true' }, timeoutMs: T });

  test('password signup enrols a phone number (code from the developer panel), SMS-only warning; then password + code by text message (a wrong code is refused); an email address added later', async () => {
    const clock = new FixedClock(Date.now());
    const { t, kg } = await start('sms codes', { clock, env: { OOB_CHANNELS: 'sms,email', DELIVERY: 'dev' } });
    await t.open();
    await pw.signUpWithPassword(t.page, { username: 'sms-sam', displayName: 'Sam Sms', password: PASSWORD });
    const smsSection = t.page.getByTestId('enrol-sms');
    await smsSection.waitFor();
    await expect(smsSection.getByTestId('enrol-sms-weakness').textContent()).resolves.toMatch(/SIM swap.*phishing/);
    await t.page.getByTestId('enrol-email').waitFor(); // both channels offered
    await t.shot('enrolment page with sms and email');

    // The development adapter answered GET /dev/messages: the panel shows "Messages", empty so far.
    await t.page.getByTestId('dev-panel').getByTestId('dev-messages-empty').waitFor();
    const sent = await oob.enrolSend(t.page, 'sms', PHONE);
    expect(sent).toEqual({ kind: 'success', text: `Code sent to ${MASKED_PHONE}. Type it to confirm.` });
    const first = await oob.newestCode(t.page, 0, 'sms');
    expect(first.to).toBe('+33612345678');
    expect(first.text).toMatch(/is your keygate verification code/);
    await t.shot('first code in the developer panel');
    const enrolled = await oob.confirmCode(t.page, 'enrol', 'sms', first.code);
    expect(enrolled).toEqual({ kind: 'success', text: 'Signed in as Sam Sms (sms-sam) with your password and a code by text message.' });

    // Signed in; the account page warns that SMS is the only second factor.
    expect(await pw.methodState(t.page, 'keys')).toBe('0 registered');
    await expect(t.page.getByTestId('method-sms-state').textContent()).resolves.toBe('On');
    await expect(t.page.getByTestId('method-sms-destination').textContent()).resolves.toBe(`Codes go to ${MASKED_PHONE}.`);
    const warning = t.page.getByTestId('weak-factor-warning');
    await warning.getByRole('heading', { name: 'Your only second factor is a code by text message (SMS)' }).waitFor();
    await expect(warning.textContent()).resolves.toMatch(/SIM swap.*phishing.*security key or passkey.*authenticator app/);
    await expect(t.page.getByTestId('session-proof').textContent()).resolves.toBe('This sign-in proved: password + code by text message (mfa).');
    await t.shot('account with the sms-only warning');

    // Sign out; password, then "Get a code by text message".
    await ui.signOut(t.page);
    clock.advance(RESEND_WAIT_MS);
    await pw.enterPassword(t.page, 'sms-sam', PASSWORD);
    const before = await oob.messageCount(t.page);
    expect(await oob.secondStepSend(t.page, 'sms')).toEqual({ kind: 'success', text: `Code sent to ${MASKED_PHONE}.` });
    await expect(t.page.getByTestId('second-sms-sent').textContent()).resolves.toMatch(`We sent a code to ${MASKED_PHONE}.`);
    const signInCode = await oob.newestCode(t.page, before, 'sms');
    expect(signInCode.text).toMatch(/is your keygate sign-in code/);
    expect(signInCode.code).not.toBe(first.code);

    const wrong = await oob.secondStepOobCode(t.page, 'sms', oob.otherCode(signInCode.code));
    expect(wrong).toEqual({ kind: 'error', text: 'That code is not right. Check it and try again.' });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('invalid_code');
    await expect(t.page.getByTestId('second-error').textContent()).resolves.toBe(wrong.text);
    await t.shot('wrong sms code');

    const out = await oob.secondStepOobCode(t.page, 'sms', signInCode.code);
    expect(out).toEqual({ kind: 'success', text: 'Signed in as Sam Sms (sms-sam) with your password and a code by text message.' });
    expect((await ui.devValue(t.page, 'dev-amr')).split(' ')).toEqual(expect.arrayContaining(['pwd', 'sms', 'mfa']));
    const session = await t.page.evaluate(async () => (await (await fetch('/session')).json()) as { session?: { amr?: string[]; acr?: string } });
    expect(session.session?.amr).toContain('sms');
    expect(session.session?.acr).toBe('urn:keygate:acr:oob');
    await t.shot('account after password + sms code');

    // Fresh password + SMS sign-in (no key, no app): an email address may be added without a step-up.
    clock.advance(RESEND_WAIT_MS);
    const emailCard = t.page.getByTestId('method-email');
    await emailCard.getByRole('button', { name: 'Add an email address' }).click();
    await emailCard.getByLabel('Email address').fill('Sam.Sms@Example.COM');
    const countBefore = await oob.messageCount(t.page);
    expect((await ui.outcomeOf(t.page, () => emailCard.getByRole('button', { name: 'Send code' }).click())).kind).toBe('success');
    const emailCode = await oob.newestCode(t.page, countBefore, 'email');
    expect(emailCode.to).toBe('Sam.Sms@example.com');
    expect(await oob.confirmCode(t.page, 'account', 'email', emailCode.code)).toEqual({ kind: 'success', text: 'Your email address is verified. Codes by email can now finish your sign-in.' });
    await expect(t.page.getByTestId('method-email-destination').textContent()).resolves.toBe('Codes go to S•••@example.com.');
    await t.page.getByTestId('weak-factor-warning').getByRole('heading', { name: 'Your only second factors are codes by text message and email' }).waitFor();
    await t.shot('account with sms and email');

    // Later, removing the email address needs a step-up: without a key or an app, password + a code by text message.
    clock.advance((kg.config.stepUpMaxAgeSeconds + 1) * 1000);
    const removed = await ui.outcomeOf(t.page, async () => {
      await emailCard.getByRole('button', { name: 'Remove', exact: true }).click();
      await emailCard.getByRole('button', { name: 'Yes, remove it' }).click();
      const dialog = t.page.getByRole('dialog', { name: 'Confirm it is you' });
      await dialog.getByRole('button', { name: 'Password, then a code by text message' }).click();
      await dialog.getByLabel('Password').fill(PASSWORD);
      await dialog.getByRole('button', { name: 'Continue' }).click();
      const n = await oob.messageCount(t.page);
      await dialog.getByRole('button', { name: 'Get a code by text message' }).click();
      const stepUpCode = await oob.newestCode(t.page, n, 'sms');
      await dialog.getByLabel('Code from the text message').fill(stepUpCode.code);
      await t.shot('step-up with a code by text message');
      await dialog.getByRole('button', { name: 'Verify' }).click();
    });
    expect(removed).toEqual({ kind: 'success', text: 'Your email address was removed. Codes by email no longer sign you in.' });
    await expect(t.page.getByTestId('method-email-state').textContent()).resolves.toBe('Off');
    await t.page.getByTestId('weak-factor-warning').getByRole('heading', { name: 'Your only second factor is a code by text message (SMS)' }).waitFor();
  }, T);

  test('without DELIVERY=dev the developer panel has no "Messages" (GET /dev/messages answers 404, quietly)', async () => {
    const { t } = await start('no dev messages');
    await t.open();
    expect((await pw.passwordRefused(t.page, 'nobody', 'not the password')).kind).toBe('error'); // its `detail` reveals the panel
    await t.page.getByTestId('dev-panel').getByTestId('dev-error-code').waitFor();
    expect(await t.page.getByTestId('dev-messages').count()).toBe(0);
  }, T);
});
