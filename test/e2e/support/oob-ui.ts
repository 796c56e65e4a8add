/**
 * Drives the demo's SMS / email code paths the way a person does (labels, roles, clicks):
 * adding a phone number or an email address (enrolment page or account page), asking for a
 * code on the second step, and reading the code keygate "sent" from the developer panel's
 * "Messages" (keygate started with DELIVERY=dev). Every wait is bounded by the context's
 * default timeout (browser.ts STEP_TIMEOUT_MS).
 */
import type { Page } from 'playwright-core';
import { outcomeOf, type Outcome } from './demo-ui.js';

export type Channel = 'sms' | 'email';

/** How many messages the developer panel lists now (0 before the section shows). */
export async function messageCount(page: Page): Promise<number> {
  const section = page.getByTestId('dev-panel').getByTestId('dev-messages');
  if ((await section.count()) === 0) return 0;
  return Number((await section.getAttribute('data-count')) ?? 0);
}

/**
 * Waits until the developer panel's "Messages" lists more than `before` messages, then reads
 * the 6-digit code at the start of the newest one (the panel shows newest first).
 */
export async function newestCode(page: Page, before: number, channel: Channel): Promise<{ code: string; to: string; text: string }> {
  await page.waitForFunction(
    (n) => Number(document.querySelector('#dev-panel [data-testid="dev-messages"]')?.getAttribute('data-count') ?? 0) > n,
    before,
  );
  const newest = page.getByTestId('dev-panel').getByTestId('dev-message').first();
  if ((await newest.getAttribute('data-channel')) !== channel) throw new Error(`the newest message is not a ${channel} message`);
  const text = ((await newest.getByTestId('dev-message-text').textContent()) ?? '').trim();
  const code = /^(\d{6}) /.exec(text)?.[1];
  if (!code) throw new Error(`no code at the start of the newest message: ${JSON.stringify(text)}`);
  return { code, to: (await newest.getAttribute('data-to')) ?? '', text };
}

const WORDS = {
  sms: { start: 'Use a phone number', add: 'Add a phone number', destination: 'Mobile phone number', code: 'Code from the text message', choose: 'Get a code by text message', signIn: 'Code from the text message' },
  email: { start: 'Use an email address', add: 'Add an email address', destination: 'Email address', code: 'Code from the email', choose: 'Get a code by email', signIn: 'Code from the email' },
} as const;

/** Enrolment page: "Use a phone number" / "Use an email address", the destination, "Send code". */
export async function enrolSend(page: Page, channel: Channel, destination: string): Promise<Outcome> {
  const section = page.getByTestId(`enrol-${channel}`);
  await section.getByRole('button', { name: WORDS[channel].start }).click();
  await section.getByLabel(WORDS[channel].destination).fill(destination);
  return outcomeOf(page, () => section.getByRole('button', { name: 'Send code' }).click());
}

/** Enrolment or account page: the first code → "Confirm code". */
export async function confirmCode(page: Page, scope: 'enrol' | 'account', channel: Channel, code: string): Promise<Outcome> {
  const form = page.getByTestId(`${scope}-${channel}-confirm-form`);
  await form.getByLabel(WORDS[channel].code).fill(code);
  return outcomeOf(page, () => form.getByRole('button', { name: 'Confirm code' }).click());
}

/** Second step (page or step-up dialog): "Get a code by text message" / "... by email". */
export function secondStepSend(page: Page, channel: Channel): Promise<Outcome> {
  return outcomeOf(page, () => page.getByRole('button', { name: WORDS[channel].choose }).click());
}

/** Second step: the code → "Verify". */
export async function secondStepOobCode(page: Page, channel: Channel, code: string): Promise<Outcome> {
  await page.getByLabel(WORDS[channel].signIn).fill(code);
  return outcomeOf(page, () => page.getByRole('button', { name: 'Verify' }).click());
}

/** A 6-digit code that is surely not `code`. */
export function otherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
