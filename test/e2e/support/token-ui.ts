/**
 * Drives the account page's "Tokens for integrators" section the way a person does
 * (labels, roles, clicks), and reads back what it shows: the raw JWT, the decoded header
 * and claims (display only), and the JWKS and discovery links.
 */
import type { Page } from 'playwright-core';
import { outcomeOf, type Outcome } from './demo-ui.js';

/** Types `txn` (or clears the field), clicks "Get a token for <audience>"; resolves with the status message. */
export async function getToken(page: Page, audience: string, txn?: string): Promise<Outcome> {
  const section = page.getByRole('region', { name: 'Tokens for integrators' });
  await section.getByLabel('Transaction id (txn)').fill(txn ?? '');
  return outcomeOf(page, () => section.getByRole('button', { name: `Get a token for ${audience}` }).click());
}

export interface ShownToken {
  jwt: string;
  jwksUrl: string;
  discoveryUrl: string;
  /** Decoded header and claims as the page shows them (text of each value, by name). */
  header: Record<string, string>;
  claims: Record<string, string>;
}

const text = async (page: Page, testid: string) => ((await page.getByTestId(testid).textContent()) ?? '').trim();

export async function shownToken(page: Page): Promise<ShownToken> {
  const view = page.getByRole('group', { name: /^Token for / });
  await view.waitFor();
  const header: Record<string, string> = {};
  for (const n of ['alg', 'kid', 'typ']) header[n] = await text(page, `token-header-${n}`);
  const claims: Record<string, string> = {};
  for (const n of ['iss', 'sub', 'aud', 'iat', 'nbf', 'exp', 'jti', 'auth_time', 'amr', 'acr', 'txn']) {
    if ((await page.getByTestId(`token-claim-${n}`).count()) > 0) claims[n] = await text(page, `token-claim-${n}`);
  }
  return {
    jwt: await view.getByLabel('Token (JWT)').inputValue(),
    jwksUrl: (await view.getByRole('link', { name: /\/\.well-known\/jwks\.json$/ }).getAttribute('href')) ?? '',
    discoveryUrl: (await view.getByRole('link', { name: /\/\.well-known\/openid-configuration$/ }).getAttribute('href')) ?? '',
    header,
    claims,
  };
}
