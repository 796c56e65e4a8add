/**
 * Freshly generated recovery codes, shown ONCE (keygate stores only their hashes): the
 * list, a warning that they will not be shown again, "Copy" (clipboard) and "Download"
 * (a .txt file from a Blob URL, revoked right after) buttons, and "I have saved them",
 * which calls `done` (the page then forgets the codes).
 */
import { h } from '../dom.js';
import { announce } from '../status.js';

export function recoveryCodesView(codes: string[], o: { username: string; done(): void }): HTMLElement {
  const text = () => `keygate recovery codes for ${o.username}\nGenerated ${new Date().toISOString()}\nEach code works once. Generating new codes makes these stop working.\n\n${codes.join('\n')}\n`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      announce(`Copied the ${codes.length} recovery codes. Paste them somewhere safe.`, 'success');
    } catch {
      announce('Your browser did not allow copying. Select the codes and copy them yourself, or use Download.', 'error');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text()], { type: 'text/plain;charset=utf-8' }));
    const a = h('a', { href: url, download: 'keygate-recovery-codes.txt', class: 'hidden-link' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    announce('Downloaded keygate-recovery-codes.txt. Keep it somewhere safe, not next to your security key.', 'success');
  };
  const view = h('div', { class: 'recovery-codes', 'data-testid': 'recovery-codes-view' },
    h('p', { class: 'warning', id: 'recovery-codes-warning', tabindex: '-1' },
      h('strong', {}, 'Save these codes now: they will not be shown again. '),
      'Each code signs you in once if you lose your security key or phone. Any codes you had before no longer work.',
    ),
    h('ol', { class: 'codes', 'aria-describedby': 'recovery-codes-warning', 'data-testid': 'recovery-codes' }, codes.map((c) => h('li', {}, h('code', {}, c)))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => void copy(), 'data-testid': 'recovery-copy' }, 'Copy'),
      h('button', { type: 'button', class: 'secondary', onclick: download, 'data-testid': 'recovery-download' }, 'Download'),
      h('button', { type: 'button', onclick: () => o.done(), 'data-testid': 'recovery-done' }, 'I have saved them'),
    ),
  );
  return view;
}
