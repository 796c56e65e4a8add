/**
 * Drives the keygate demo the way a person does: labels, roles and clicks (data-testid
 * only where no label fits, e.g. the status region and the credential cards). Every
 * action that starts a ceremony resolves with the status message that followed it.
 */
import type { Locator, Page } from 'playwright-core';

export type Outcome = { kind: 'success' | 'error'; text: string };
export type AuthenticatorType = 'Security key' | 'Passkey on this device';
export type UV = 'required' | 'preferred' | 'discouraged';

/** Runs `action`, then waits for the NEXT success/error message in the aria-live status region. */
export async function outcomeOf(page: Page, action: () => Promise<void>): Promise<Outcome> {
  const status = page.getByTestId('status');
  const before = Number((await status.getAttribute('data-seq')) ?? 0);
  await action();
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector<HTMLElement>('[data-testid="status"]');
      return !!el && Number(el.dataset.seq ?? 0) > n && (el.dataset.kind === 'success' || el.dataset.kind === 'error');
    },
    before,
  );
  return { kind: (await status.getAttribute('data-kind')) as Outcome['kind'], text: (await status.textContent()) ?? '' };
}

/** Waits until some status message matches (whatever started it, e.g. passkey autofill). */
export async function waitForStatus(page: Page, text: RegExp, kind: Outcome['kind'] | 'info'): Promise<string> {
  await page.waitForFunction(
    ([src, k]) => {
      const el = document.querySelector<HTMLElement>('[data-testid="status"]');
      return !!el && el.dataset.kind === k && new RegExp(src).test(el.textContent ?? '');
    },
    [text.source, kind] as const,
  );
  return (await page.getByTestId('status').textContent()) ?? '';
}

async function chooseAuthenticator(scope: Locator, type: AuthenticatorType, uv: UV): Promise<void> {
  await scope.getByLabel(type, { exact: true }).check();
  await scope.getByLabel('Ask for PIN or biometric').selectOption(uv);
}

/** Create-account page, through the navigation link. */
export async function register(page: Page, o: { username: string; displayName?: string; type: AuthenticatorType; uv: UV }): Promise<Outcome> {
  await page.getByRole('navigation').getByRole('link', { name: 'Create account' }).click();
  const form = page.getByTestId('register-form');
  await form.getByLabel('Username').fill(o.username);
  if (o.displayName) await form.getByLabel('Display name (optional)').fill(o.displayName);
  await chooseAuthenticator(form, o.type, o.uv);
  return outcomeOf(page, () => form.getByRole('button', { name: 'Create account' }).click());
}

/** "Add another" on the account page (registration for the signed-in user). */
export async function addAnother(page: Page, o: { type: AuthenticatorType; uv: UV }): Promise<Outcome> {
  const form = page.getByTestId('add-form');
  await chooseAuthenticator(form, o.type, o.uv);
  return outcomeOf(page, () => form.getByRole('button', { name: 'Add security key or passkey' }).click());
}

/**
 * Clicks "Sign out" and waits for keygate's answer, then for the sign-in page, unless
 * `waitForSignInPage` is false: with an authenticator that answers passkey autofill at once,
 * the sign-in page may be gone again before a test could see it.
 */
export async function signOut(page: Page, opts: { waitForSignInPage?: boolean } = {}): Promise<void> {
  const done = page.waitForResponse((r) => r.url().endsWith('/session/logout') && r.ok());
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await done;
  if (opts.waitForSignInPage !== false) await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

export async function signInWithUsername(page: Page, username: string, uv: UV = 'preferred'): Promise<Outcome> {
  const form = page.getByTestId('sign-in-form');
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Ask for PIN or biometric').selectOption(uv);
  return outcomeOf(page, () => form.getByRole('button', { name: 'Use security key or passkey' }).click());
}

export function signInWithPasskey(page: Page): Promise<Outcome> {
  return outcomeOf(page, () => page.getByRole('button', { name: 'Sign in with a passkey' }).click());
}

/** Waits until passkey autofill reached `state` (see client-demo/src/autofill.ts). */
export async function autofillState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="sign-in-form"][data-autofill="${state}"]`).waitFor({ state: 'attached' });
}

export interface CardInfo {
  id: string;
  name: string;
  kind: string;
  model: string;
  counter: number;
  lastUsed: string;
  fmt: string;
  cloned: boolean;
}

/** The credential cards on the account page, once the list has loaded. */
export async function credentialCards(page: Page): Promise<CardInfo[]> {
  await page.locator('[data-testid="credential-list"][data-loaded]').waitFor({ state: 'attached' });
  const cards = await page.getByTestId('credential').all();
  return Promise.all(
    cards.map(async (card) => ({
      id: (await card.getAttribute('data-credential-id')) ?? '',
      name: (await card.getByTestId('credential-name').textContent()) ?? '',
      kind: (await card.getByTestId('credential-kind').textContent()) ?? '',
      model: (await card.getByTestId('credential-model').textContent()) ?? '',
      counter: Number(await card.getByTestId('credential-counter').textContent()),
      lastUsed: (await card.getByTestId('credential-last-used').textContent()) ?? '',
      fmt: (await card.getByTestId('credential-fmt').textContent()) ?? '',
      cloned: (await card.getByTestId('credential-cloned').count()) > 0,
    })),
  );
}

/** Rename → new name → "Save name" on the card of `credentialId`. */
export async function renameCredential(page: Page, credentialId: string, name: string): Promise<Outcome> {
  const card = page.locator(`[data-testid="credential"][data-credential-id="${credentialId}"]`);
  await card.getByRole('button', { name: 'Rename', exact: true }).click();
  await card.getByLabel('New name').fill(name);
  return outcomeOf(page, () => card.getByRole('button', { name: 'Save name' }).click());
}

/** Remove → "Yes, remove it" on the card of `credentialId`. */
export async function removeCredential(page: Page, credentialId: string): Promise<Outcome> {
  const card = page.locator(`[data-testid="credential"][data-credential-id="${credentialId}"]`);
  await card.getByRole('button', { name: 'Remove', exact: true }).click();
  return outcomeOf(page, () => card.getByRole('button', { name: 'Yes, remove it' }).click());
}

/** Text of a developer-panel value (`dev-fmt`, `dev-aaguid`, `dev-error-code`, ...). */
export async function devValue(page: Page, testid: string): Promise<string> {
  return ((await page.getByTestId('dev-panel').getByTestId(testid).textContent()) ?? '').trim();
}
