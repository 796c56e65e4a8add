import type { CeremonyKind, Metrics } from './metrics.js';

/**
 * Which endpoint is which step of which ceremony. `start` answers options (WebAuthn),
 * `finish` completes it, `single` is a one-step ceremony (each attempt starts one).
 */
export const CEREMONY_ROUTES: Readonly<Record<string, { ceremony: CeremonyKind; step: 'start' | 'finish' | 'single' }>> = {
  'POST /attestation/options': { ceremony: 'registration', step: 'start' },
  'POST /attestation/result': { ceremony: 'registration', step: 'finish' },
  'POST /assertion/options': { ceremony: 'authentication', step: 'start' },
  'POST /assertion/result': { ceremony: 'authentication', step: 'finish' },
  'POST /login/password': { ceremony: 'password', step: 'single' },
  'POST /signup/password': { ceremony: 'password_signup', step: 'single' },
  'POST /login/totp': { ceremony: 'totp', step: 'single' },
  'POST /login/recovery-code': { ceremony: 'recovery_code', step: 'single' },
  'POST /login/oob/send': { ceremony: 'oob_code', step: 'start' },
  'POST /login/oob': { ceremony: 'oob_code', step: 'finish' },
  'POST /login/approval': { ceremony: 'approval', step: 'start' },
  'POST /login/approval/complete': { ceremony: 'approval', step: 'finish' },
  'POST /token': { ceremony: 'token', step: 'single' },
};

/**
 * Counts one answered ceremony request from its outcome: the one place ceremonies are
 * counted, fed by the response hook (http-metrics.ts) with the status and the error `code`
 * the error mapper answered. A refusal at any step is `failed{code}`; a started WebAuthn
 * ceremony is one whose options were answered; a one-step ceremony starts on every attempt.
 * `routePattern` is the request's route label (route-label.ts); other endpoints are ignored.
 */
export function countCeremony(metrics: Metrics, method: string, routePattern: string, status: number, code: string | undefined): void {
  const route = CEREMONY_ROUTES[`${method} ${routePattern}`];
  if (!route) return;
  const ok = status < 400;
  if (route.step === 'single' || (route.step === 'start' && ok)) metrics.ceremoniesStarted.labels(route.ceremony).inc();
  if (!ok) metrics.ceremoniesFailed.labels(route.ceremony, code ?? 'unknown').inc();
  else if (route.step !== 'start') metrics.ceremoniesFinished.labels(route.ceremony).inc();
}
