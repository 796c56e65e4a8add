/**
 * keygate's HTTP API as the demo uses it: same-origin JSON fetches; the session is the
 * HttpOnly cookie `keygate.sid`, which the browser sends by itself.
 *
 * Contract: every function resolves with the parsed reply when keygate answered
 * `status: "ok"`, and rejects with an `ApiError` (keygate's stable `code`, its plain-words
 * `errorMessage`, outside production the developer `detail`, plus `stepUp`,
 * `retryAfterSeconds` and `recovery` when the error body has them) when it answered
 * `status: "failed"` or something that is not keygate JSON. A network failure rejects
 * with the browser's `TypeError`.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/browser';
import { ApiError, extrasOf } from './api-error.js';
import type {
  ActivityReply,
  AuthenticationOptions,
  AuthenticationReply,
  AuthenticationRequest,
  CodeSignInReply,
  CredentialsReply,
  DevMessagesReply,
  Factors,
  LinkOptionsRequest,
  LogoutOthersReply,
  Me,
  NextStepsReply,
  OkReply,
  OobChannel,
  OobConfirmReply,
  OobEnrolment,
  OobSendReply,
  ApprovalRequestReply,
  ApprovalStatusReply,
  ApprovalsReply,
  ApprovalDenyReply,
  RecoveryCodesReply,
  RegistrationOptions,
  RegistrationReply,
  RegistrationRequest,
  Reply,
  SessionReply,
  SessionState,
  TokenReply,
  TotpConfirmReply,
  TotpEnrolment,
} from './api-types.js';

export type * from './api-types.js';
export { ApiError, type RecoveryInfo, type StepUpChallenge, type StepUpMethod } from './api-error.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One keygate call, as every function below makes it (exported for admin-api.ts). */
export async function call<T extends Reply>(method: Method, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: (Partial<Reply> & { code?: string; detail?: string } & Record<string, unknown>) | undefined;
  try {
    json = (await res.json()) as typeof json;
  } catch {
    json = undefined;
  }
  if (!json || (json.status !== 'ok' && json.status !== 'failed')) {
    throw new ApiError(res.status, 'bad_reply', 'The server gave an unexpected answer. Please try again.', `${method} ${path}: HTTP ${res.status}, not a keygate JSON reply`);
  }
  if (json.status === 'failed' || !res.ok) {
    const err = new ApiError(res.status, json.code ?? 'failed', json.errorMessage || 'The server refused the request.', json.detail, extrasOf(json, res.headers));
    if (typeof json.rule === 'string') rules.set(err, json.rule);
    throw err;
  }
  return json as T;
}

const rules = new WeakMap<ApiError, string>();

/** The role-policy rule a 403 `policy_violation` names (its `rule` field), e.g. `trustRequired`. */
export function policyRuleOf(err: unknown): string | undefined {
  return err instanceof ApiError ? rules.get(err) : undefined;
}

/** A query string from the defined entries of `q` (empty when none). */
export function query(q: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => [k, String(v)]));
  const s = p.toString();
  return s ? `?${s}` : '';
}


export const api = {
  registrationOptions: (req: RegistrationRequest) => call<RegistrationOptions>('POST', '/attestation/options', req),
  /** Options for a registration through a one-time link (`#link=<secret>`); finished by `registrationResult`, which signs the link's user in. */
  linkOptions: (req: LinkOptionsRequest) => call<RegistrationOptions>('POST', '/link/options', req),
  registrationResult: (response: RegistrationResponseJSON) => call<RegistrationReply>('POST', '/attestation/result', response),
  authenticationOptions: (req: AuthenticationRequest) => call<AuthenticationOptions>('POST', '/assertion/options', req),
  authenticationResult: (response: AuthenticationResponseJSON) => call<AuthenticationReply>('POST', '/assertion/result', response),
  /** Who is signed in (or half signed in), whether passwords are on, what tokens are issued for; GET /session never answers 401. */
  session: async (): Promise<SessionState> => {
    const r = await call<SessionReply>('GET', '/session');
    const me: Me | null = r.signedIn ? { status: r.status, errorMessage: r.errorMessage, user: r.user, session: r.session } : null;
    return { me, pendingSignIn: r.signedIn ? null : (r.pendingSignIn ?? null), passwordLogin: r.passwordLogin, tokenAudiences: r.tokenAudiences.filter((a) => a !== ''), approval: r.approval };
  },
  credentials: () => call<CredentialsReply>('GET', '/account/credentials'),
  renameCredential: (id: string, name: string) => call<OkReply>('PATCH', `/account/credentials/${encodeURIComponent(id)}`, { name }),
  removeCredential: (id: string) => call<OkReply>('DELETE', `/account/credentials/${encodeURIComponent(id)}`),
  logout: () => call<OkReply>('POST', '/session/logout', {}),
  /** The signed-in user's own audit trail, newest first; pass `next` back as `before` for older events. */
  activity: (q: { limit?: number; before?: string }) =>
    call<ActivityReply>('GET', `/account/activity?${new URLSearchParams(Object.entries(q).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]))}`),
  /** Ends every other session of the signed-in user; `ended` says how many. */
  logoutOthers: () => call<LogoutOthersReply>('POST', '/session/logout-others', {}),

  /** First factor: resolves with what keygate wants next (a second factor, or `enrol`). */
  passwordLogin: (username: string, password: string) => call<NextStepsReply>('POST', '/login/password', { username, password }),
  totpLogin: (code: string) => call<CodeSignInReply>('POST', '/login/totp', { code }),
  recoveryCodeLogin: (code: string) => call<CodeSignInReply>('POST', '/login/recovery-code', { code }),
  oobSend: (channel: OobChannel) => call<OobSendReply>('POST', '/login/oob/send', { channel }),
  oobLogin: (code: string) => call<CodeSignInReply>('POST', '/login/oob', { code }),
  /** Sign-in approval: the requesting device asks, polls, then completes. */
  approvalRequest: () => call<ApprovalRequestReply>('POST', '/login/approval', {}),
  approvalStatus: () => call<ApprovalStatusReply>('GET', '/login/approval'),
  approvalComplete: () => call<CodeSignInReply>('POST', '/login/approval/complete', {}),
  /** Sign-in approval: a signed-in device lists, picks the number (→ assertion options), approves with its key, or denies. */
  approvals: () => call<ApprovalsReply>('GET', '/account/approvals'),
  approvalOptions: (id: string, number: number) => call<AuthenticationOptions>('POST', `/account/approvals/${encodeURIComponent(id)}/options`, { number }),
  approvalApprove: (id: string, response: unknown) => call<OkReply>('POST', `/account/approvals/${encodeURIComponent(id)}/approve`, response),
  approvalDeny: (id: string, notMe: boolean) => call<ApprovalDenyReply>('POST', `/account/approvals/${encodeURIComponent(id)}/deny`, { notMe }),
  /** A new account with a password; it must then enrol a second factor (`next: ["enrol"]`). */
  passwordSignup: (username: string, password: string, displayName?: string) => call<NextStepsReply>('POST', '/signup/password', { username, password, displayName }),

  factors: () => call<Factors>('GET', '/account/factors'),
  setPassword: (newPassword: string) => call<OkReply>('PUT', '/account/password', { newPassword }),
  startTotp: () => call<TotpEnrolment>('POST', '/account/totp', {}),
  /** During a password signup the reply says `signedIn: true` (the session is now a full sign-in). */
  confirmTotp: (code: string) => call<TotpConfirmReply>('POST', '/account/totp/confirm', { code }),
  removeTotp: () => call<OkReply>('DELETE', '/account/totp'),
  /** Sends a first code to `destination` (a mobile number in international format, or an email address); nothing counts until `confirmOob`. */
  startOob: (channel: OobChannel, destination: string) => call<OobEnrolment>('POST', '/account/oob', { channel, destination }),
  /** During a password signup the reply says `signedIn: true` (the session is now a full sign-in). */
  confirmOob: (channel: OobChannel, code: string) => call<OobConfirmReply>('POST', '/account/oob/confirm', { channel, code }),
  removeOob: (channel: OobChannel) => call<OkReply>('DELETE', `/account/oob/${channel}`),
  newRecoveryCodes: () => call<RecoveryCodesReply>('POST', '/account/recovery-codes', {}),

  /** With DELIVERY=dev only (404 otherwise): the SMS and email messages keygate "sent", newest first. */
  devMessages: () => call<DevMessagesReply>('GET', '/dev/messages'),

  /**
   * Exchanges this sign-in for a JWT for `audience` (one of GET /session `tokenAudiences`),
   * with `txn` as its `txn` claim when given. Refusals: 400 `invalid_audience`, 403
   * `sign_in_too_old` (sign in again), 409 `token_already_issued` (one per sign-in and audience).
   */
  token: (audience: string, txn?: string) => call<TokenReply>('POST', '/token', txn === undefined ? { audience } : { audience, txn }),
};
