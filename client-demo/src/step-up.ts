/**
 * Step-up before a sensitive account change (adding or removing a key, TOTP enrol/remove,
 * recovery codes, password change).
 *
 * Contract of `withStepUp(username, change)`: runs `change`; when keygate answers 403
 * `step_up_required`, the user confirms it is them with one of the methods its `stepUp.accepts`
 * lists (narrowed to the factors this account has, per GET /account/factors), then `change`
 * runs once more and its result or refusal is returned. When the only usable method is
 * `webauthn`, the key sign-in as `username` starts at once (UV required); otherwise the
 * step-up dialog lets the user choose (password first where needed). Cancelling rejects
 * with an `AbortError` (explain() marks it aborted). Other refusals pass through unchanged.
 */
import { ApiError, api, type Factors, type StepUpMethod } from './api.js';
import { signIn } from './ceremonies.js';
import { confirmIdentity } from './pages/step-up-dialog.js';
import { announce } from './status.js';

export interface StepUpOptions {
  /** The change itself opens a browser prompt (adding a key): say that a second prompt follows. */
  promptsAgain?: boolean;
}

export async function withStepUp<T>(username: string, change: () => Promise<T>, opts: StepUpOptions = {}): Promise<T> {
  try {
    return await change();
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 'step_up_required')) throw err;
    const accepts = await usable(err.stepUp?.accepts ?? ['webauthn']);
    if (accepts.length === 1 && accepts[0] === 'webauthn') {
      announce(`For your security, confirm it is you first: use a security key or passkey already on your account.${opts.promptsAgain ? ' Your browser will then ask again for the change itself.' : ''}`, 'busy');
      await signIn({ username, userVerification: 'required' }, `Confirm it is you (${username})`);
    } else {
      announce('For your security, confirm it is you first.', 'busy');
      try {
        await confirmIdentity({ username, accepts, maxAgeSeconds: err.stepUp?.maxAgeSeconds });
      } catch (cancelled) {
        announce('Cancelled: nothing was changed.', 'info');
        throw cancelled;
      }
    }
    announce(opts.promptsAgain ? 'Confirmed. Now follow your browser\'s prompt again to finish the change.' : 'Confirmed. Finishing the change…', 'busy');
    return change();
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
  const has: Record<string, boolean> = { webauthn: f.webauthn > 0, password: f.password, totp: f.totp, recovery_code: f.recoveryCodes.remaining > 0 };
  const ok = accepts.filter((m) => m.split('+').every((part) => has[part] !== false));
  return ok.length > 0 ? ok : accepts;
}
