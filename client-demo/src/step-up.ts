/**
 * Step-up before a sensitive account change (adding or removing a key, TOTP enrol/remove,
 * SMS/email code destinations, recovery codes, password change), and a fresh sign-in on request (a token needs one).
 *
 * Contract of `withStepUp(username, change)`: runs `change`; when keygate answers 403
 * `step_up_required`, the user confirms it is them with one of the methods its `stepUp.accepts`
 * lists (narrowed to the factors this account has, per GET /account/factors), then `change`
 * runs once more and its result or refusal is returned. When the only usable method is
 * `webauthn`, the key sign-in as `username` starts at once (UV required); otherwise the
 * step-up dialog lets the user choose (password first where needed). Cancelling rejects
 * with an `AbortError` (explain() marks it aborted). Other refusals pass through unchanged.
 *
 * Contract of `signInAgain(username, why)`: the same confirmation with every method the
 * account can use (a key sign-in at once when that is only `webauthn`), for when keygate
 * wants a fresh sign-in (403 `sign_in_too_old`); resolves once keygate accepted it.
 */
import { ApiError, api, type Factors, type StepUpMethod } from './api.js';
import { signIn } from './ceremonies.js';
import { confirmIdentity } from './pages/step-up-dialog.js';
import { announce, clearBusy } from './status.js';

export interface StepUpOptions {
  /** The change itself opens a browser prompt (adding a key): say that a second prompt follows. */
  promptsAgain?: boolean;
}

const EVERY_METHOD: StepUpMethod[] = ['webauthn', 'password+webauthn', 'password+totp', 'password+sms', 'password+email', 'password+recovery_code'];

export async function withStepUp<T>(username: string, change: () => Promise<T>, opts: StepUpOptions = {}): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'step_up_required')) throw err;
    await confirm(username, await usable(err.stepUp?.accepts ?? ['webauthn']), {
      title: `Confirm it is you (${username})`,
      keyPrompt: `For your security, confirm it is you first: use a security key or passkey already on your account.${opts.promptsAgain ? ' Your browser will then ask again for the change itself.' : ''}`,
      dialogPrompt: 'For your security, confirm it is you first.',
      cancelled: 'Cancelled: nothing was changed.',
      maxAgeSeconds: err.stepUp?.maxAgeSeconds,
    });
    announce(opts.promptsAgain ? 'Confirmed. Now follow your browser\'s prompt again to finish the change.' : 'Confirmed. Finishing the change…', 'busy');
    return change();
  }
}

/** A fresh sign-in as `username` (the session is then new: its `authenticatedAt` is now); `why` is shown in the dialog. */
export async function signInAgain(username: string, why: string): Promise<void> {
  await confirm(username, await usable(EVERY_METHOD), {
    title: `Sign in again (${username})`,
    keyPrompt: 'Sign in again: use a security key or passkey already on your account.',
    dialogPrompt: 'Sign in again to continue.',
    cancelled: 'Cancelled: you were not signed in again.',
    why,
  });
}

interface ConfirmTexts {
  /** The ceremony's title in the developer panel. */
  title: string;
  keyPrompt: string;
  dialogPrompt: string;
  cancelled: string;
  maxAgeSeconds?: number;
  why?: string;
}

async function confirm(username: string, accepts: StepUpMethod[], t: ConfirmTexts): Promise<void> {
  if (accepts.length === 1 && accepts[0] === 'webauthn') {
    announce(t.keyPrompt, 'busy');
    await signIn({ username, userVerification: 'required' }, t.title);
    return;
  }
  announce(t.dialogPrompt, 'busy');
  try {
    await confirmIdentity({ username, accepts, maxAgeSeconds: t.maxAgeSeconds, why: t.why });
  } catch (cancelled) {
    announce(t.cancelled, 'info');
    throw cancelled;
  }
}

/** The accepted methods this account can actually use; all of them when that cannot be told. */
async function usable(accepts: StepUpMethod[]): Promise<StepUpMethod[]> {
  let f: Factors;
  try {
    f = await api.factors();
  } catch {
    return accepts;
  }
  const has: Record<string, boolean> = { webauthn: f.webauthn > 0, password: f.password, totp: f.totp, sms: f.sms !== null, email: f.email !== null, recovery_code: f.recoveryCodes.remaining > 0 };
  const ok = accepts.filter((m) => m.split('+').every((part) => has[part] !== false));
  return ok.length > 0 ? ok : accepts;
}

/**
 * A guard for a page whose calls may each answer `step_up_required` (the admin page): the
 * first refused call starts ONE step-up (withStepUp), calls refused meanwhile wait for it,
 * then each is retried once; `onSteppedUp` runs after it (the session is new).
 */
export function sharedStepUp(username: string, onSteppedUp: () => void): <T>(call: () => Promise<T>) => Promise<T> {
  let stepping: Promise<void> | undefined;
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (stepping) await stepping.catch(() => undefined);
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'step_up_required')) throw err;
      let first = true;
      // withStepUp confirms after the refusal `change` gives it, then runs `change` again (a no-op here).
      stepping ??= withStepUp(username, async () => {
        if (first) {
          first = false;
          throw err;
        }
      }).finally(() => {
        stepping = undefined;
        onSteppedUp();
      });
      await stepping;
      const result = await call();
      clearBusy(); // withStepUp's "Finishing the change…"
      return result;
    }
  };
}
