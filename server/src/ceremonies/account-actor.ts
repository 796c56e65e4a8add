import type { Session, SignInAttempt, User } from '../storage/ports.js';

/**
 * Who is changing an account: a signed-in session (sensitive changes then need step-up), or
 * a password sign-up's half sign-in at stage `enrol`, which may only enrol its first second
 * factor (and is signed in by confirming it).
 */
export type AccountActor = { kind: 'session'; session: Session; user: User } | { kind: 'enrolment'; attempt: SignInAttempt; user: User };
