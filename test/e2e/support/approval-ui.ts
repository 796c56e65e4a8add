/**
 * Drives sign-in approval from a signed-in device in the demo (issue 10 points 3 and 5): the
 * requesting side on the second step ("Approve from a signed-in device", the number to pick)
 * and the approving side on the account page ("Sign-in requests", approvals-panel.ts). Every
 * wait is bounded by the context's default timeout (browser.ts STEP_TIMEOUT_MS).
 */
import type { Locator, Page } from 'playwright-core';
import { outcomeOf, type Outcome } from './demo-ui.js';

/** Second step: "Approve from a signed-in device"; resolves with the number it shows. */
export async function askApproval(page: Page): Promise<number> {
  await page.getByRole('button', { name: 'Approve from a signed-in device' }).click();
  const text = ((await page.getByTestId('second-approval-number').textContent()) ?? '').trim();
  if (!/^\d{2}$/.test(text)) throw new Error(`not a 2-digit approval number: ${JSON.stringify(text)}`);
  return Number(text);
}

/** Account page: waits until "Sign-in requests" has loaded (APPROVAL=true) and its live feed is open. */
export async function approvalsReady(page: Page): Promise<Locator> {
  const section = page.locator('[data-testid="approvals"][data-loaded][data-live="open"]');
  await section.waitFor();
  return section;
}

export interface Prompt {
  locator: Locator;
  ip: string;
  browser: string;
  choices: number[];
}

/** Account page: waits for the (only) approval prompt and reads it. */
export async function waitForPrompt(page: Page): Promise<Prompt> {
  const locator = page.getByTestId('approval-prompt');
  await locator.waitFor();
  const text = async (id: string) => ((await locator.getByTestId(id).textContent()) ?? '').trim();
  const choices = (await locator.locator('[data-testid^="approval-choice-"]').allTextContents()).map((c) => Number(c.trim()));
  return { locator, ip: await text('approval-ip'), browser: await text('approval-browser'), choices };
}

/** Account page: clicks the number `n` in the prompt; resolves with the status message that followed. */
export function pickNumber(page: Page, n: number): Promise<Outcome> {
  return outcomeOf(page, () => page.getByTestId('approval-prompt').getByTestId(`approval-choice-${n}`).click());
}

/** Account page: "Deny" or "This was not me" in the prompt. */
export function deny(page: Page, notMe: boolean): Promise<Outcome> {
  return outcomeOf(page, () => page.getByTestId('approval-prompt').getByRole('button', { name: notMe ? 'This was not me' : 'Deny', exact: true }).click());
}

/** Second step: waits until the approval status line reads `text`. */
export async function waitForRequestStatus(page: Page, text: RegExp): Promise<string> {
  await page.waitForFunction(
    (src) => new RegExp(src).test(document.querySelector('[data-testid="second-approval-status"]')?.textContent ?? ''),
    text.source,
  );
  return ((await page.getByTestId('second-approval-status').textContent()) ?? '').trim();
}
