/** What the router hands every page, and what a page gives back. */
import type { Me, NextStep, PendingSignIn, RecoveryInfo, SignedInReply } from './api.js';

/**
 * `second-step`: password accepted, a second factor is due (needs a pending sign-in);
 * `enrol`: password account without a second factor yet, it must add one (pending `enrol`).
 */
export type Route = 'sign-in' | 'register' | 'account' | 'second-step' | 'enrol';

export interface AppContext {
  /** The signed-in user and session, or null (as of the last refresh). */
  readonly me: Me | null;
  /** A half sign-in (password accepted), or null; never set while `me` is. */
  readonly pending: PendingSignIn | null;
  /** Whether keygate offers passwords (GET /session `passwordLogin`). */
  readonly passwordLogin: boolean;
  /** The audiences keygate issues tokens for (GET /session `tokenAudiences`); empty: none. */
  readonly tokenAudiences: readonly string[];
  /** Whether keygate offers sign-in approval from a signed-in device (GET /session `approval`). */
  readonly approval: boolean;
  /** Set by `signedIn` after a recovery-code sign-in, for the account page's notice; cleared on sign-out. */
  readonly recoveryNotice: RecoveryInfo | null;
  /** Shows a page (re-renders it when it is already the current one). */
  navigate(route: Route): void;
  /** Asks keygate who is signed in (GET /session) and updates `me`, `pending` and the navigation. */
  refreshSession(): Promise<Me | null>;
  /** After a password was accepted: remember what is next, then show the second step or the enrolment page. */
  passwordAccepted(username: string, next: NextStep[]): void;
  /** Ends a half sign-in (sign-out at keygate, forget it here) and shows the sign-in page. */
  abandonSignIn(): Promise<void>;
  /** After any successful sign-in: refresh, announce (`how`, e.g. "with a passkey"), go to the account page. */
  signedIn(reply: SignedInReply, how: string): Promise<void>;
}

export interface Page {
  title: string;
  element: HTMLElement;
  /** Called once the element is in the document. */
  mounted?(): void;
  /** Called (and awaited) before the next page replaces this one. */
  dispose?(): Promise<void> | void;
}
