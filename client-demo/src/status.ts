/**
 * The one `aria-live="polite"` status region (#status). Everything the user must know
 * about an action (waiting for the key, success, failure in plain words) goes through
 * `announce`; a new message replaces the previous one. `data-kind` drives the styling;
 * `data-seq` counts messages, so a test can wait for the message that follows its click.
 */
let seq = 0;
export type StatusKind = 'info' | 'busy' | 'success' | 'error';

/** Clears a "waiting for your key" message left by a ceremony that a page change abandoned. */
export function clearBusy(): void {
  const el = document.getElementById('status');
  if (el?.dataset.kind === 'busy') {
    el.textContent = '';
    delete el.dataset.kind;
  }
}

export function announce(message: string, kind: StatusKind = 'info'): void {
  const el = document.getElementById('status');
  if (!el) return;
  el.dataset.kind = kind;
  el.dataset.seq = String(++seq);
  // Re-setting identical text would not be re-announced: clear first.
  el.textContent = '';
  el.textContent = message;
}
