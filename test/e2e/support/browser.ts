/**
 * The e2e suite's browser plumbing: whether Chromium is there (skip loudly, or fail under
 * REQUIRE_E2E=1), ONE shared browser launch, a fresh context + tab per test with virtual
 * authenticators enabled BEFORE the first navigation, screenshots, and page-error capture.
 */
import { describe, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { enableVirtualAuthenticators } from '../../helpers/webauthn-cdp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CHROMIUM_PATH = process.env.KEYGATE_E2E_CHROMIUM ?? '/usr/bin/chromium';
/** Screenshots land here (gitignored via `test-results/`). */
export const RESULTS_DIR = path.join(ROOT, 'test-results', 'e2e');
/** Upper bound for any single wait on the page (locators, navigation). */
export const STEP_TIMEOUT_MS = 10_000;

/**
 * `describe` when Chromium exists. Otherwise: `describe.skip` plus ONE loud console line, or,
 * with REQUIRE_E2E=1, a single test that fails with the reason (CI must not skip silently).
 */
export function describeE2E(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
    return;
  }
  const reason = `${CHROMIUM_PATH} not found: install it with \`apt-get install -y chromium\` (or set KEYGATE_E2E_CHROMIUM)`;
  if (process.env.REQUIRE_E2E === '1') {
    describe(name, () => {
      test('a Chromium browser is available (REQUIRE_E2E=1)', () => {
        throw new Error(`e2e required but ${reason}`);
      });
    });
    return;
  }
  // stderr directly: one line, without the code frame jest adds to console.warn.
  process.stderr.write(`\n*** E2E SUITE SKIPPED: ${reason}. Set REQUIRE_E2E=1 to make this a failure. ***\n\n`);
  // Skipped on purpose (no browser on this machine), announced above; CI sets REQUIRE_E2E=1.
  describe.skip(name, body);
}

/** Bundles client-demo (esbuild, ~0.2 s) so the suite never runs against a stale dist. */
export function buildDemo(): void {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-demo.mjs')], { stdio: 'inherit' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 20_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface Tab {
  page: Page;
  /** CDP session of this tab, WebAuthn enabled: add authenticators to it before `open()`. */
  cdp: CDPSession;
  /** Navigates to the demo (optionally a hash route such as `#/register`). */
  open(hash?: string): Promise<void>;
  /** Full-page screenshot `<RESULTS_DIR>/<test>/<nn>-<step>.png`. */
  shot(step: string): Promise<void>;
  /** Uncaught page errors and CSP violations seen so far (should stay empty). */
  problems: string[];
  close(): Promise<void>;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

export async function newTab(browser: Browser, baseUrl: string, testName: string, viewport = { width: 1280, height: 900 }): Promise<Tab> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(`CSP: ${msg.text()}`);
  });
  const cdp = await enableVirtualAuthenticators(page);
  const dir = path.join(RESULTS_DIR, slug(testName));
  rmSync(dir, { recursive: true, force: true }); // no stale shots from an earlier run
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    page,
    cdp,
    problems,
    async open(hash = '') {
      await page.goto(`${baseUrl}/${hash}`);
      await page.locator('#page h1').waitFor();
    },
    async shot(step) {
      n += 1;
      mkdirSync(dir, { recursive: true }); // again: a parallel run of the suite may have cleared it
      await page.screenshot({ path: path.join(dir, `${String(n).padStart(2, '0')}-${slug(step)}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}
