/**
 * A tiny element builder, so pages never assemble HTML strings: every text passed as a
 * child becomes a text node (user data can never become markup), and nothing sets inline
 * styles (the CSP is `style-src 'self'`).
 *
 * `attrs`: `class` sets className; `on<event>` keys add listeners; `true` adds a boolean
 * attribute, `false`/`undefined` leave it out; anything else is set with setAttribute.
 */
type Child = Node | string | number | null | undefined | false;
type Attr = string | number | boolean | undefined | ((ev: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, Attr> = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (flattening arrays, skipping null/undefined/false). */
export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** One `<dt>`/`<dd>` pair for a `<dl class="facts">`; nothing when `value` is null/undefined. */
export function fact(term: string, value: Child | Child[], testid?: string): HTMLElement[] {
  if (value === null || value === undefined) return [];
  return [h('dt', {}, term), h('dd', { 'data-testid': testid }, ...(Array.isArray(value) ? value : [value]))];
}

/**
 * Disables every button in `scope` while `task` runs (no double submits), then restores them.
 * Disabling the focused button drops focus to <body>; if nothing else took focus meanwhile,
 * it is given back, so keyboard users stay where they were.
 */
export async function whileBusy<T>(scope: Element, task: () => Promise<T>): Promise<T> {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const buttons = [...scope.querySelectorAll('button')].filter((b) => !b.disabled);
  buttons.forEach((b) => (b.disabled = true));
  scope.setAttribute('aria-busy', 'true');
  try {
    return await task();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    scope.removeAttribute('aria-busy');
    if (focused?.isConnected && (document.activeElement === document.body || document.activeElement === null)) focused.focus();
  }
}
