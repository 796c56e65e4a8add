/**
 * End to end, sign-in approval from a signed-in device with number matching (issue 10 points
 * 3 and 5): keygate with PASSWORD_LOGIN=true and APPROVAL=true, TWO browser contexts on one
 * Chromium. Context A signs up with a password, registers a security key (a CDP virtual
 * authenticator with UV) and stays on the account page, whose "Sign-in requests" listens on
 * GET /account/approvals/events. Context B (another browser, no key) enters the password and
 * chooses "Approve from a signed-in device", which shows a 2-digit number. A sees the prompt
 * (where it comes from: B's IP and browser), picks the matching number, the virtual
 * authenticator signs, A says "Approved"; B lands signed in with amr `mca`. A wrong number
 * in A denies the request: B says so. "This was not me" ends B's attempt. Same plumbing as
 * the other e2e files: a fresh in-process keygate and fresh contexts per test, bounded
 * waits, screenshots in test-results/e2e/.
 */
import { afterAll, afterEach, beforeAll, expect, jest, test } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { startKeygate, type RunningKeygate } from '../helpers/start-keygate.js';
import * as cdp from '../helpers/webauthn-cdp.js';
import { buildDemo, describeE2E, launchBrowser, newTab, RESULTS_DIR, type Tab } from './support/browser.js';
import * as approval from './support/approval-ui.js';
import * as ui from './support/demo-ui.js';
import * as pw from './support/password-ui.js';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // as the other e2e files: one logged retry against timing hiccups

const T = 45_000;
const PASSWORD = 'correct horse battery staple';
/** B polls every 2 s and the event stream looks in the store every second: an answer shows within a few seconds. */
const ANSWER_MS = 10_000;

describeE2E('keygate demo: approve a sign-in from a signed-in device (number matching) in Chromium', () => {
  let browser: Browser;
  let kg: RunningKeygate | undefined;
  let tabs: Tab[] = [];

  /** keygate with passwords and approval; A signs up with a password and a key and stays on the account page; B is on the second step. */
  const setUp = async (name: string, username: string) => {
    kg = await startKeygate({ env: { PASSWORD_LOGIN: 'true', APPROVAL: 'true' } });
    const a = await newTab(browser, kg.url, `${name} A`);
    tabs.push(a);
    await cdp.addSecurityKey(a.cdp, { protocol: 'ctap2', uv: true });
    await a.open();
    await pw.signUpWithPassword(a.page, { username, displayName: 'Ada Approver', password: PASSWORD });
    expect((await pw.enrolKey(a.page, { type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    const section = await approval.approvalsReady(a.page);
    await section.getByTestId('approvals-empty').waitFor();
    await expect(section.getByTestId('approvals-advice').textContent()).resolves.toMatch(/Only approve a sign-in you are doing yourself, right now/);

    const b = await newTab(browser, kg.url, `${name} B`);
    tabs.push(b);
    await b.open();
    await pw.enterPassword(b.page, username, PASSWORD);
    return { a, b };
  };

  beforeAll(async () => {
    buildDemo();
    browser = await launchBrowser();
    console.log(`e2e: Chromium ${browser.version()}; screenshots in ${RESULTS_DIR}`);
  }, T);
  afterEach(async () => {
    const problems = tabs.flatMap((t) => t.problems);
    for (const t of tabs) await t.close();
    tabs = [];
    await kg?.close();
    kg = undefined;
    expect(problems).toEqual([]); // no uncaught page errors, no CSP violations
  });
  afterAll(async () => {
    await browser?.close();
  });

  test('B asks, A sees where it comes from, picks the number B shows and confirms with its key; B is signed in (amr mca)', async () => {
    const { a, b } = await setUp('approval approved', 'ada-approves');
    const number = await approval.askApproval(b.page);
    await expect(b.page.getByTestId('second-approval-status').textContent()).resolves.toBe('Waiting for your approval…');
    await b.shot('the number to pick');

    const prompt = await approval.waitForPrompt(a.page);
    await expect(prompt.locator.getByRole('heading', { level: 3 }).textContent()).resolves.toBe('Someone is trying to sign in to your account');
    expect(prompt.choices).toHaveLength(3);
    expect(prompt.choices).toContain(number);
    expect(prompt.browser).toBe(await b.page.evaluate(() => navigator.userAgent));
    expect(prompt.ip).toMatch(/127\.0\.0\.1|::1/);
    await a.shot('the approval prompt');

    const approved = await approval.pickNumber(a.page, number);
    expect(approved).toEqual({ kind: 'success', text: 'Approved. The other device is signing in now.' });
    await expect(a.page.getByTestId('approvals-result').textContent()).resolves.toBe('Approved. The other device is signing in now.');
    expect(await a.page.getByTestId('approval-prompt').count()).toBe(0);
    await a.page.getByTestId('approvals-empty').waitFor();
    await a.shot('approved');

    const signedIn = await ui.waitForStatus(b.page, /^Signed in as Ada Approver \(ada-approves\)/, 'success').catch(async (err) => {
      await b.shot('B did not sign in');
      throw err;
    });
    expect(signedIn).toBe('Signed in as Ada Approver (ada-approves) with your password and approval from a signed-in device.');
    await b.page.getByRole('heading', { name: 'Account security', level: 1 }).waitFor();
    const session = await b.page.evaluate(async () => (await (await fetch('/session')).json()) as { session?: { amr?: string[]; acr?: string } });
    expect(session.session?.amr).toEqual(expect.arrayContaining(['pwd', 'mca', 'mfa']));
    await b.shot('B signed in');

    // A's own session was left as it was.
    const aSession = await a.page.evaluate(async () => (await (await fetch('/session')).json()) as { session?: { amr?: string[] } });
    expect(aSession.session?.amr).not.toContain('mca');
  }, T);

  test('a wrong number in A denies the request: A shows keygate\'s refusal, B says it was denied', async () => {
    const { a, b } = await setUp('approval wrong number', 'ada-wrong');
    const number = await approval.askApproval(b.page);
    const prompt = await approval.waitForPrompt(a.page);
    const wrong = prompt.choices.find((c) => c !== number)!;
    const refused = await approval.pickNumber(a.page, wrong);
    expect(refused).toEqual({ kind: 'error', text: 'That was not the number shown on the new device, so the sign-in was refused. If it was you, sign in again there.' });
    expect(await ui.devValue(a.page, 'dev-error-code')).toBe('wrong_approval_number');
    expect(await a.page.getByTestId('approval-prompt').count()).toBe(0);
    await a.shot('wrong number refused');

    const status = await approval.waitForRequestStatus(b.page, /denied/);
    expect(status).toBe('The request was denied on your other device. Ask again, or use another way.');
    await b.shot('B denied');
    const session = await b.page.evaluate(async () => (await (await fetch('/session')).json()) as { me?: unknown; session?: unknown });
    expect(session.session ?? null).toBeNull();
  }, T);

  test('"This was not me" in A ends B\'s attempt: B is sent back to enter the password', async () => {
    const { a, b } = await setUp('approval not me', 'ada-not-me');
    // keygate's delivery message links to /#approvals: a fresh load of it is the account page, focus on the sign-in requests.
    await a.page.goto('about:blank');
    await a.page.goto(`${kg!.url}/#approvals`);
    await a.page.getByRole('heading', { name: 'Account security', level: 1 }).waitFor();
    await approval.approvalsReady(a.page);
    await a.page.waitForFunction(() => document.activeElement?.id === 'approvals-title');
    expect(new URL(a.page.url()).hash).toBe('#/account');
    await approval.askApproval(b.page);
    await approval.waitForPrompt(a.page);
    const reported = await approval.deny(a.page, true);
    expect(reported).toEqual({ kind: 'success', text: 'Refused and reported: that sign-in was ended. Someone may know your password: change it now.' });
    expect(await a.page.getByTestId('approval-prompt').count()).toBe(0);
    await a.shot('reported');

    // B's next poll finds no half sign-in any more: the demo abandons it and shows the sign-in page.
    await b.page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor({ timeout: ANSWER_MS });
    await b.shot('B back on sign-in');
  }, T);

  test('without APPROVAL the account page has no "Sign-in requests" and the second step does not offer it', async () => {
    kg = await startKeygate({ env: { PASSWORD_LOGIN: 'true' } });
    const a = await newTab(browser, kg.url, 'approval off');
    tabs.push(a);
    await cdp.addSecurityKey(a.cdp, { protocol: 'ctap2', uv: true });
    await a.open();
    const asked: string[] = [];
    a.page.on('request', (r) => void (r.url().includes('/account/approvals') && asked.push(r.url())));
    await pw.signUpWithPassword(a.page, { username: 'ada-off', password: PASSWORD });
    expect((await pw.enrolKey(a.page, { type: 'Security key', uv: 'preferred' })).kind).toBe('success');
    // GET /session said `approval: false`: the page asks nothing about approvals, opens no event stream.
    await a.page.getByTestId('account-user').waitFor();
    await a.page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
    expect(asked).toEqual([]);
    expect(await a.page.getByTestId('approvals').isHidden()).toBe(true);
    expect(await a.page.getByTestId('approvals').getAttribute('data-live')).toBeNull();
    await ui.signOut(a.page);
    await pw.enterPassword(a.page, 'ada-off', PASSWORD);
    await a.page.getByRole('button', { name: 'Use your security key' }).waitFor();
    expect(await a.page.getByRole('button', { name: 'Approve from a signed-in device' }).count()).toBe(0);
  }, T);
});
