/**
 * End to end, "Tokens for integrators" on the account page (keygate with TOKEN_AUDIENCES
 * set): a passkey sign-in exchanged for a JWT, which this test verifies the way an
 * integrator's backend does (jose: jwtVerify + createRemoteJWKSet on the JWKS URL the page
 * links to); one token per sign-in (`token_already_issued`); a sign-in too old for a token
 * (`sign_in_too_old`) fixed by "Sign in again" at 360 px; no section without audiences.
 * Same plumbing as second-factors.test.ts: ONE browser, a fresh context + tab and a fresh
 * in-process keygate per test, bounded waits, screenshots in test-results/e2e/.
 */
import { afterAll, afterEach, beforeAll, expect, jest, test } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as cdp from '../helpers/webauthn-cdp.js';
import { FixedClock } from '../../server/src/lib/clock.js';
import { describeE2E } from './support/browser.js';
import { keygateTabs } from './support/keygate-tabs.js';
import * as ui from './support/demo-ui.js';
import * as tk from './support/token-ui.js';

jest.retryTimes(1, { logErrorsBeforeRetry: true }); // as demo.test.ts: one logged retry against timing hiccups

const T = 30_000;
const AUDIENCE = 'https://deploy.example.com';
const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'];

describeE2E('keygate demo: tokens for integrators in Chromium', () => {
  const { start } = keygateTabs({ env: { TOKEN_AUDIENCES: AUDIENCE }, timeoutMs: T });

  test('passkey sign-in → "Get a token": the JWT verifies with the linked JWKS (iss, aud, amr, acr, txn); a second one is refused', async () => {
    const { t, kg } = await start('token after passkey');
    await cdp.addPlatformAuthenticator(t.cdp, { uv: true });
    await t.open('#/register');
    expect((await ui.register(t.page, { username: 'tok-alice', displayName: 'Alice Token', type: 'Passkey on this device', uv: 'required' })).kind).toBe('success');
    await t.page.getByRole('heading', { name: 'Tokens for integrators' }).waitFor();
    await t.shot('account with the token section');

    const got = await tk.getToken(t.page, AUDIENCE, 'approve deploy #4711');
    expect(got).toEqual({ kind: 'success', text: `Got a token for ${AUDIENCE}. It is valid for 5 minutes.` });
    const shown = await tk.shownToken(t.page);
    expect(shown.jwksUrl).toBe(`${kg.url}/.well-known/jwks.json`);
    expect(shown.discoveryUrl).toBe(`${kg.url}/.well-known/openid-configuration`);
    await expect(t.page.getByTestId('token-decoded-note').textContent()).resolves.toContain('Decoded here for display; verify it with the JWKS.');
    await t.shot('token shown');

    // What an integrator's backend does, with the URL the page gives.
    const { payload, protectedHeader } = await jwtVerify(shown.jwt, createRemoteJWKSet(new URL(shown.jwksUrl)), { issuer: kg.url, audience: AUDIENCE, algorithms: ALGORITHMS });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(payload).toMatchObject({ iss: kg.url, aud: AUDIENCE, txn: 'approve deploy #4711', acr: 'urn:keygate:acr:phr' });
    expect([...(payload.amr as string[])].sort()).toEqual(['mfa', 'swk', 'user']);
    expect(payload.exp! - payload.iat!).toBe(kg.config.tokenTtlSeconds);
    const user = await kg.store.users.findByUsername('tok-alice');
    expect(payload.sub).toBe(user!.id);
    // The discovery document points at the same JWKS.
    const discovery = (await (await fetch(shown.discoveryUrl)).json()) as { issuer: string; jwks_uri: string };
    expect(discovery).toMatchObject({ issuer: kg.url, jwks_uri: shown.jwksUrl });

    // The page decoded the same header and claims.
    expect(shown.header).toEqual({ alg: protectedHeader.alg, kid: protectedHeader.kid, typ: 'JWT' });
    expect(shown.claims).toMatchObject({ iss: kg.url, sub: payload.sub, aud: AUDIENCE, jti: payload.jti, acr: 'urn:keygate:acr:phr', txn: 'approve deploy #4711' });
    for (const n of ['iat', 'nbf', 'exp', 'auth_time'] as const) expect(shown.claims[n]).toMatch(new RegExp(`^${payload[n]} \\(.+\\)$`)); // raw NumericDate + date
    expect(shown.claims.amr).toMatch(new RegExp(`^${(payload.amr as string[]).join(' ')} \\(.*\\(mfa\\)\\)$`));

    // One token per sign-in: a second click is refused, with a sign-in offered.
    const again = await tk.getToken(t.page, AUDIENCE);
    expect(again).toEqual({ kind: 'error', text: `One token per sign-in: this sign-in already got its token for ${AUDIENCE}. Sign in again for another.` });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('token_already_issued');
    await expect(t.page.getByTestId('token-refused').textContent()).resolves.toBe(again.text);
    await t.page.getByRole('button', { name: 'Sign in again and get the token' }).waitFor();
    expect((await tk.shownToken(t.page)).jwt).toBe(shown.jwt); // the first token stays shown
    await t.shot('second token refused');
  }, T);

  test('at 360 px: a sign-in too old for a token, "Sign in again" with the key, then the token (without txn) verifies', async () => {
    const clock = new FixedClock(Date.now());
    const { t, kg } = await start('token sign-in too old 360px', { clock }, { width: 360, height: 780 });
    await cdp.addSecurityKey(t.cdp, { protocol: 'ctap2', uv: true });
    await t.open('#/register');
    expect((await ui.register(t.page, { username: 'tok-bob', type: 'Security key', uv: 'required' })).kind).toBe('success');
    const firstAuth = Math.floor(clock.now().getTime() / 1000);

    clock.advance((kg.config.tokenMaxAuthAgeSeconds + 1) * 1000);
    const old = await tk.getToken(t.page, AUDIENCE);
    expect(old).toEqual({ kind: 'error', text: 'Your sign-in is too old for a token: tokens need a recent sign-in. Sign in again to get one.' });
    expect(await ui.devValue(t.page, 'dev-error-code')).toBe('sign_in_too_old');
    await t.shot('sign-in too old at 360 px');

    // Keyboard: focus is on the offer, Enter takes it; afterwards focus is on the new token's heading.
    const focused = () => t.page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(await focused()).toBe('Sign in again and get the token');
    const renewed = await ui.outcomeOf(t.page, () => t.page.keyboard.press('Enter'));
    expect(renewed).toEqual({ kind: 'success', text: `Got a token for ${AUDIENCE}. It is valid for 5 minutes.` });
    expect(await focused()).toBe(`Token for ${AUDIENCE}`);
    expect(await t.page.getByTestId('token-refusal').textContent()).toBe(''); // the refusal is gone
    expect(await ui.devValue(t.page, 'dev-ceremony')).toContain(`Token for ${AUDIENCE}`);
    const shown = await tk.shownToken(t.page);
    expect(shown.claims.txn).toBe('not set');
    const { payload } = await jwtVerify(shown.jwt, createRemoteJWKSet(new URL(shown.jwksUrl)), {
      issuer: kg.url,
      audience: AUDIENCE,
      algorithms: ALGORITHMS,
      currentDate: clock.now(), // keygate's clock runs ahead of this machine's
    });
    expect(payload.txn).toBeUndefined();
    expect(payload.auth_time).toBeGreaterThan(firstAuth + kg.config.tokenMaxAuthAgeSeconds); // the new sign-in
    expect(payload.acr).toBe('urn:keygate:acr:phr');
    expect(await t.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await t.shot('token at 360 px');
  }, T);

  test('without TOKEN_AUDIENCES the account page has no token section', async () => {
    const { t } = await start('no token audiences', { env: { TOKEN_AUDIENCES: '' } }); // empty: no tokens
    await cdp.addPlatformAuthenticator(t.cdp, { uv: true });
    await t.open('#/register');
    expect((await ui.register(t.page, { username: 'tok-carol', type: 'Passkey on this device', uv: 'required' })).kind).toBe('success');
    await ui.credentialCards(t.page);
    expect(await t.page.getByRole('heading', { name: 'Tokens for integrators' }).count()).toBe(0);
    expect(await t.page.getByTestId('tokens').count()).toBe(0);
  }, T);
});
