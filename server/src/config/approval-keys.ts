import type { ConfigKey } from './config-values.js';
import { bool, count } from './config-values.js';

/**
 * The configuration keys of sign-in approval from a signed-in device
 * (ceremonies/device-approval.ts, approve-sign-in.ts), part of configKeys. That it needs
 * PASSWORD_LOGIN is checked by approvalConfigProblem (with the other cross-key rules).
 */
export const approvalKeys = {
  approval: {
    env: 'APPROVAL',
    doc: 'Let a half sign-in (password accepted) be approved from one of the user\'s other signed-in sessions: number matching (the approver picks, among three, the number the new device shows) then a WebAuthn assertion with UV on the approving device. 2 minutes, single use; amr pwd + mca + mfa at acr urn:keygate:acr:mfa. Needs PASSWORD_LOGIN=true. A role counts it only where its policy\'s secondFactors lists `approval` (the built-in user role does; admin never).',
    default: 'false',
    schema: bool,
  },
  approvalStreamSeconds: {
    env: 'APPROVAL_STREAM_SECONDS',
    doc: 'How long one GET /account/approvals/events stream stays open before the server ends it (the browser\'s EventSource reconnects on its own); bounded so that proxies and clients never hold a request forever.',
    default: '300',
    schema: count(1).max(3600, 'must be at most 3600'),
  },
} satisfies Record<string, ConfigKey<unknown>>;

/** The rule spanning APPROVAL and PASSWORD_LOGIN: the one line start-up must refuse, or undefined. */
export function approvalConfigProblem(c: { approval: boolean; passwordLogin: boolean }): string | undefined {
  if (c.approval && !c.passwordLogin) return 'APPROVAL needs PASSWORD_LOGIN=true (an approval completes a half sign-in that a password opened)';
  return undefined;
}
