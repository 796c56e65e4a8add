/**
 * Drives the demo's password paths the way a person does (labels, roles, clicks): password
 * signup and second-factor enrolment, password sign-in and its second step, and the
 * "Sign-in methods" section of the account page. Helpers that end in a status message
 * resolve with it (see demo-ui.ts `outcomeOf`).
 */
import type { Page } from 'playwright-core';
import { outcomeOf, type AuthenticatorType, type Outcome, type UV } from './demo-ui.js';
import { totpCode } from './totp-codes.js';

/** Create account → "Create an account with a password"; waits for the enrolment page. */
export async function signUpWithPassword(page: Page, o: { username: string; password: string; displayName?: string }): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Create account' }).click();
  const form = page.getByTestId('password-signup-form');
  await form.getByLabel('Username').fill(o.username);
  if (o.displayName) await form.getByLabel('Display name (optional)').fill(o.displayName);
  await form.getByLabel('Password', { exact: true }).fill(o.password);
  await form.getByRole('button', { name: 'Create account with password' }).click();
  await page.getByRole('heading', { name: 'Add a second factor', level: 1 }).waitFor();
}

/** On the enrolment page: register a security key or passkey as the second factor. */
export async function enrolKey(page: Page, o: { type: AuthenticatorType; uv: UV }): Promise<Outcome> {
  const form = page.getByTestId('enrol-key-form');
  await form.getByLabel(o.type, { exact: true }).check();
  await form.getByLabel('Ask for PIN or biometric').selectOption(o.uv);
  return outcomeOf(page, () => form.getByRole('button', { name: 'Add security key or passkey' }).click());
}

/**
 * "Set up authenticator app" (enrolment page or account page), then the code for the shown
 * secret at `timestamp` (the SERVER's time) → "Confirm code". Resolves with the secret too.
 */
export async function setUpTotp(page: Page, timestamp: () => number = Date.now): Promise<{ secret: string; outcome: Outcome }> {
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
  await page.getByRole('img', { name: /QR code/ }).waitFor();
  await page.getByLabel('Code from the app').fill(totpCode(secret, timestamp()));
  const outcome = await outcomeOf(page, () => page.getByRole('button', { name: 'Confirm code' }).click());
  return { secret, outcome };
}

/** Sign-in page → "Sign in with password"; waits for the second-step page. */
export async function enterPassword(page: Page, username: string, password: string): Promise<void> {
  await fillPassword(page, username, password);
  await page.getByRole('button', { name: 'Sign in with password' }).click();
  await page.getByRole('heading', { name: 'Confirm it is you', level: 1 }).waitFor();
}

/** Sign-in page → "Sign in with password" when it is expected to be refused. */
export async function passwordRefused(page: Page, username: string, password: string): Promise<Outcome> {
  await fillPassword(page, username, password);
  return outcomeOf(page, () => page.getByRole('button', { name: 'Sign in with password' }).click());
}

async function fillPassword(page: Page, username: string, password: string): Promise<void> {
  const form = page.getByTestId('password-form');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
}

/** Second step: "Use your security key". */
export function secondStepKey(page: Page): Promise<Outcome> {
  return outcomeOf(page, () => page.getByRole('button', { name: 'Use your security key' }).click());
}

/** Second step (page or step-up dialog): choose a code method, type the code, "Verify". */
export async function secondStepCode(page: Page, method: 'totp' | 'recovery', code: string): Promise<Outcome> {
  const label = method === 'totp' ? 'Code from your authenticator app' : 'Recovery code';
  const field = page.getByLabel(label);
  if (!(await field.isVisible())) {
    await page.getByRole('button', { name: method === 'totp' ? 'Enter a code from your authenticator app' : 'Use a recovery code' }).click();
  }
  await field.fill(code);
  return outcomeOf(page, () => page.getByRole('button', { name: 'Verify' }).click());
}

/** The state badge of a sign-in method on the account page (`password`, `keys`, `totp`, `recovery`), once loaded. */
export async function methodState(page: Page, key: 'password' | 'keys' | 'totp' | 'recovery'): Promise<string> {
  await page.locator('[data-testid="method-list"][data-loaded]').waitFor({ state: 'attached' });
  return ((await page.getByTestId(`method-${key}-state`).textContent()) ?? '').trim();
}

/** Account page → "Generate recovery codes"; resolves with the codes shown once. */
export async function generateRecoveryCodes(page: Page): Promise<{ outcome: Outcome; codes: string[] }> {
  const card = page.getByTestId('method-recovery');
  const outcome = await outcomeOf(page, () => card.getByRole('button', { name: 'Generate recovery codes' }).click());
  const codes = outcome.kind === 'success' ? await page.getByTestId('recovery-codes').getByRole('listitem').allTextContents() : [];
  return { outcome, codes: codes.map((c) => c.trim()) };
}
