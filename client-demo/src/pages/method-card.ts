/**
 * The frame of one sign-in method on the account page (password, authenticator app,
 * recovery codes, keys): its name, its state in words, its buttons, and an area below for
 * an inline form or confirmation. `MethodEnv` is what each method needs from the page.
 */
import { h } from '../dom.js';

export interface MethodEnv {
  username: string;
  /** keygate offers passwords (GET /session `passwordLogin`). */
  passwordLogin: boolean;
  /** After a successful change: reload the methods (focus goes to their heading), then announce `message`. */
  changed(message: string): Promise<void>;
}

export interface MethodCard {
  element: HTMLElement;
  /** Where inline forms and confirmations go. */
  area: HTMLElement;
}

export function methodCard(o: { key: string; title: string; state: string; description: string; extra?: (HTMLElement | false)[]; actions: (HTMLElement | false)[] }): MethodCard {
  const titleId = `method-${o.key}-title`;
  const area = h('div', { class: 'inline-form' });
  const element = h('li', { class: 'card method', 'aria-labelledby': titleId, 'data-testid': `method-${o.key}` },
    h('header', {},
      h('h3', { id: titleId }, o.title),
      h('span', { class: 'badge', 'data-testid': `method-${o.key}-state` }, o.state),
    ),
    h('p', { class: 'hint' }, o.description),
    o.extra ?? [],
    o.actions.some(Boolean) && h('div', { class: 'actions' }, o.actions),
    area,
  );
  return { element, area };
}
