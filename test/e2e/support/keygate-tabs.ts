/**
 * The lifecycle most browser files share, registered in the calling `describe`: ONE browser
 * for the file (launched after the demo is bundled), and per test a fresh in-process keygate
 * (`env` under the test's own options) with a fresh context + tab on it, both closed after the
 * test, which also fails on any uncaught page error or CSP violation the tab saw.
 */
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { startKeygate, type RunningKeygate, type StartKeygateOptions } from '../../helpers/start-keygate.js';
import { buildDemo, launchBrowser, newTab, RESULTS_DIR, type Tab } from './browser.js';

export function keygateTabs(o: { env: Record<string, string>; timeoutMs: number }) {
  let browser: Browser | undefined;
  let kg: RunningKeygate | undefined;
  let tab: Tab | undefined;
  beforeAll(async () => {
    buildDemo();
    browser = await launchBrowser();
    console.log(`e2e: Chromium ${browser.version()}; screenshots in ${RESULTS_DIR}`);
  }, o.timeoutMs);
  afterEach(async () => {
    const problems = tab?.problems ?? [];
    await tab?.close();
    tab = undefined;
    await kg?.close();
    kg = undefined;
    expect(problems).toEqual([]); // no uncaught page errors, no CSP violations
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    /** A keygate with the file's `env` (under `opts.env`), and a tab on it named `name`. */
    async start(name: string, opts: StartKeygateOptions = {}, viewport?: { width: number; height: number }): Promise<{ t: Tab; kg: RunningKeygate }> {
      kg = await startKeygate({ ...opts, env: { ...o.env, ...opts.env } });
      tab = await newTab(browser!, kg.url, name, viewport);
      return { t: tab, kg };
    },
  };
}
