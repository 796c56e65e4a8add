/**
 * Passkey autofill (WebAuthn conditional mediation) for the sign-in page: the browser
 * offers this site's passkeys in the username field's autofill list
 * (`autocomplete="username webauthn"`), and picking one signs in without a button.
 *
 * Contract:
 *  - `start()` (re)starts it when `browserSupportsWebAuthnAutofill()` is true: fetches
 *    usernameless options from keygate, then waits in a conditional `get()`. Abort and
 *    "nothing to offer" (NotAllowedError) end it quietly; a passkey the user picked is
 *    verified by keygate and reported through `onSignedIn` or `onError`.
 *  - `cancel()` must be awaited before any other ceremony starts. keygate keeps ONE
 *    pending ceremony per session, so cancel first waits for an options call still in
 *    flight (so keygate sees it before the next one, never after), then aborts the pending
 *    `get()` and waits until the browser has settled it. If a picked passkey is already
 *    being verified, cancel lets that finish.
 *  - The state is mirrored in `data-autofill` on the given element (tests wait on it):
 *    off | starting | unsupported | waiting | verifying | done | failed | unavailable | cancelled.
 */
import { browserSupportsWebAuthnAutofill, startAuthentication, WebAuthnAbortService } from '@simplewebauthn/browser';
import { api, type AuthenticationReply } from './api.js';
import { finishSignIn } from './ceremonies.js';
import { explain } from './errors.js';

export type AutofillState = 'off' | 'starting' | 'unsupported' | 'waiting' | 'verifying' | 'done' | 'failed' | 'unavailable' | 'cancelled';

export interface Autofill {
  start(): void;
  cancel(): Promise<void>;
}

export function createAutofill(stateEl: HTMLElement, on: { signedIn(reply: AuthenticationReply): void; error(err: unknown): void }): Autofill {
  let generation = 0;
  let state: AutofillState = 'off';
  let task: Promise<void> = Promise.resolve();
  let optionsInFlight: Promise<unknown> | undefined;
  const set = (s: AutofillState) => {
    state = s;
    stateEl.dataset.autofill = s;
  };
  set('off');

  async function run(gen: number): Promise<void> {
    const current = () => gen === generation;
    set('starting');
    if (!(await browserSupportsWebAuthnAutofill())) {
      if (current()) set('unsupported');
      return;
    }
    if (!current()) return;
    const request = api.authenticationOptions({});
    optionsInFlight = request;
    let options;
    try {
      options = await request;
    } catch {
      if (current()) set('failed'); // keygate unreachable: the buttons will say so when used
      return;
    } finally {
      if (optionsInFlight === request) optionsInFlight = undefined;
    }
    if (!current()) return;
    set('waiting');
    let response;
    try {
      response = await startAuthentication({ optionsJSON: options, useBrowserAutofill: true });
    } catch (err) {
      if (current()) set(explain(err).aborted ? 'cancelled' : 'unavailable');
      return;
    }
    if (!current()) return;
    set('verifying');
    try {
      const reply = await finishSignIn(response, { title: 'Sign-in (passkey autofill)', options });
      set('done');
      on.signedIn(reply);
    } catch (err) {
      set('failed');
      on.error(err);
    }
  }

  return {
    start() {
      const gen = ++generation;
      task = run(gen);
    },
    async cancel() {
      const verifying = state === 'verifying';
      generation++;
      if (verifying) {
        await task;
        return;
      }
      if (optionsInFlight) await optionsInFlight.catch(() => undefined);
      if (state === 'waiting') {
        WebAuthnAbortService.cancelCeremony();
        // Let the browser settle the aborted get() before the caller starts a new one (bounded).
        await Promise.race([task, new Promise((r) => setTimeout(r, 1000))]);
      }
      set('cancelled');
    },
  };
}
