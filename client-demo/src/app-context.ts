/** What the router hands every page, and what a page gives back. */
import type { AuthenticationReply, Me } from './api.js';

export type Route = 'sign-in' | 'register' | 'account';

export interface AppContext {
  /** The signed-in user and session, or null (as of the last refresh). */
  readonly me: Me | null;
  /** Shows a page (re-renders it when it is already the current one). */
  navigate(route: Route): void;
  /** Asks keygate who is signed in (GET /session) and updates `me` and the navigation. */
  refreshSession(): Promise<Me | null>;
  /** After any successful sign-in: refresh, announce, go to the account page. */
  signedIn(reply: AuthenticationReply, how: string): Promise<void>;
}

export interface Page {
  title: string;
  element: HTMLElement;
  /** Called once the element is in the document. */
  mounted?(): void;
  /** Called (and awaited) before the next page replaces this one. */
  dispose?(): Promise<void> | void;
}
