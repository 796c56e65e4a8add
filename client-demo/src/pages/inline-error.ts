/**
 * A refusal shown where the user is looking (inside a form or a dialog), in addition to
 * the page's status region. In a modal dialog the rest of the page is inert, so there the
 * message element is itself a live region (`live: true`); on a page the status region
 * already announces it, and the inline copy stays silent to avoid announcing twice.
 *
 * Contract: `show(err)` displays `explain(err).message` and returns the explanation (callers
 * check `.code`); aborted ceremonies show nothing. `say(text)` shows the page's own words;
 * `clear()` empties it.
 */
import { h } from '../dom.js';
import { explain, type Explained } from '../errors.js';
import { announce } from '../status.js';

export interface InlineError {
  element: HTMLElement;
  show(err: unknown): Explained;
  /** Shows (and announces) a message of the page's own, e.g. "Enter your password." */
  say(message: string): void;
  clear(): void;
}

export function inlineError(testid: string, opts: { live?: boolean } = {}): InlineError {
  const element = h('p', { class: 'inline-error', 'data-testid': testid, 'aria-live': opts.live ? 'assertive' : undefined });
  return {
    element,
    show(err) {
      const x = explain(err);
      if (x.aborted) return x;
      element.textContent = x.message;
      announce(x.message, 'error');
      return x;
    },
    say(message) {
      element.textContent = message;
      announce(message, 'error');
    },
    clear() {
      element.textContent = '';
    },
  };
}
