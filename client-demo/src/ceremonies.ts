/**
 * The two WebAuthn ceremonies against keygate, each recorded in the developer panel:
 * options from keygate → the browser's create()/get() (via @simplewebauthn/browser) →
 * the response back to keygate for verification.
 *
 * Contract: resolves with keygate's verified reply; rejects with an `ApiError` (keygate
 * refused) or the browser's error (`WebAuthnError`/DOMException), unchanged, so callers
 * pass it to `explain()`. Starting a ceremony aborts any other one still pending in this
 * page (WebAuthnAbortService), including passkey autofill. (Step-up before sensitive
 * changes, which may use these ceremonies, is step-up.ts.)
 */
import { startAuthentication, startRegistration, type AuthenticationResponseJSON } from '@simplewebauthn/browser';
import {
  api,
  type AuthenticationOptions,
  type AuthenticationReply,
  type RegistrationReply,
  type RegistrationRequest,
  type UserVerification,
} from './api.js';
import { devPanel } from './dev-panel.js';

export async function register(req: RegistrationRequest, title: string): Promise<RegistrationReply> {
  return registerWith(() => api.registrationOptions(req), title);
}

/** A registration whose options come from `getOptions` (by username, or through a one-time link), recorded in the developer panel. */
export async function registerWith(getOptions: () => ReturnType<typeof api.registrationOptions>, title: string): Promise<RegistrationReply> {
  devPanel.begin(title);
  try {
    const options = await getOptions();
    devPanel.options(options);
    const response = await startRegistration({ optionsJSON: options });
    devPanel.response(response);
    const reply = await api.registrationResult(response);
    devPanel.result(reply);
    return reply;
  } catch (err) {
    devPanel.failure(err);
    throw err;
  }
}

/** Sign-in with a username (allowCredentials = that account's keys) or, without one, with a discoverable passkey. */
export async function signIn(req: { username?: string; userVerification?: UserVerification }, title: string): Promise<AuthenticationReply> {
  devPanel.begin(title);
  try {
    const options = await api.authenticationOptions(req);
    devPanel.options(options);
    const response = await startAuthentication({ optionsJSON: options });
    return await finishSignIn(response);
  } catch (err) {
    devPanel.failure(err);
    throw err;
  }
}

/** Sends an assertion to keygate (also used by passkey autofill once the user picked a passkey). */
export async function finishSignIn(response: AuthenticationResponseJSON, recorded?: { title: string; options: AuthenticationOptions }): Promise<AuthenticationReply> {
  if (recorded) {
    devPanel.begin(recorded.title);
    devPanel.options(recorded.options);
  }
  devPanel.response(response);
  try {
    const reply = await api.authenticationResult(response);
    devPanel.result(reply);
    return reply;
  } catch (err) {
    if (recorded) devPanel.failure(err);
    throw err;
  }
}
