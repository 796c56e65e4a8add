/**
 * keygate's HTTP API as the demo uses it: same-origin JSON fetches; the session is the
 * HttpOnly cookie `keygate.sid`, which the browser sends by itself.
 *
 * Contract: every function resolves with the parsed reply when keygate answered
 * `status: "ok"`, and rejects with an `ApiError` (carrying keygate's stable `code`, its
 * plain-words `errorMessage`, and outside production the developer `detail`) when it
 * answered `status: "failed"` or something that is not keygate JSON. A network failure
 * rejects with the browser's `TypeError`.
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';

export interface Reply {
  status: 'ok' | 'failed';
  errorMessage: string;
}

export type CredentialKind = 'security_key' | 'device_passkey' | 'synced_passkey';

/** A credential as `GET /account/credentials` shows it. */
export interface CredentialView {
  id: string;
  name: string;
  kind: CredentialKind;
  model: string | null;
  aaguid: string;
  fmt: string;
  transports: string[];
  createdAt: string;
  lastUsedAt: string | null;
  counter: number;
  backupEligible: boolean;
  backedUp: boolean;
  discoverable: boolean | null;
  userVerified: boolean;
  possiblyCloned: boolean;
  disabled: boolean;
}

export interface Flags {
  up: boolean;
  uv: boolean;
  be: boolean;
  bs: boolean;
}

/** Outside production only: what keygate decoded and verified. */
export interface RegistrationDebug {
  fmt: string;
  aaguid: string;
  alg: number;
  counter: number;
  flags: Flags;
  attestationCertificate: { subject: string; issuer: string; notAfter: string } | null;
}

export interface AuthenticationDebug {
  counter: number;
  flags: Flags;
}

export interface UserView {
  id: string;
  username: string;
  displayName: string;
}

export interface Me extends Reply {
  user: UserView;
  session: { authenticatedAt: string; userVerified: boolean; credentialId: string | null; expiresAt: string };
}

export type UserVerification = 'required' | 'preferred' | 'discouraged';

export interface RegistrationRequest {
  username: string;
  displayName?: string;
  authenticatorSelection?: {
    authenticatorAttachment?: 'platform' | 'cross-platform';
    residentKey?: 'discouraged' | 'preferred' | 'required';
    userVerification?: UserVerification;
  };
  attestation?: 'none' | 'direct' | 'indirect' | 'enterprise';
}

export type RegistrationOptions = Reply & PublicKeyCredentialCreationOptionsJSON;
export type AuthenticationOptions = Reply & PublicKeyCredentialRequestOptionsJSON;
export type RegistrationReply = Reply & { userId: string; credential: CredentialView; debug?: RegistrationDebug };
export type AuthenticationReply = Reply & { user: UserView; credential: CredentialView; debug?: AuthenticationDebug };

/** keygate refused (or answered something unexpected). */
export class ApiError extends Error {
  constructor(
    /** HTTP status (0 when the reply was not keygate JSON). */
    readonly status: number,
    /** keygate's stable error code, e.g. `user_verification_missing`. */
    readonly code: string,
    /** keygate's plain-words message, fit to show to the user. */
    message: string,
    /** Developer detail (absent in production). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function call<T extends Reply>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: (Partial<Reply> & { code?: string; detail?: string }) | undefined;
  try {
    json = (await res.json()) as typeof json;
  } catch {
    json = undefined;
  }
  if (!json || (json.status !== 'ok' && json.status !== 'failed')) {
    throw new ApiError(res.status, 'bad_reply', 'The server gave an unexpected answer. Please try again.', `${method} ${path}: HTTP ${res.status}, not a keygate JSON reply`);
  }
  if (json.status === 'failed' || !res.ok) {
    throw new ApiError(res.status, json.code ?? 'failed', json.errorMessage || 'The server refused the request.', json.detail);
  }
  return json as T;
}

export const api = {
  registrationOptions: (req: RegistrationRequest) => call<RegistrationOptions>('POST', '/attestation/options', req),
  registrationResult: (response: RegistrationResponseJSON) => call<RegistrationReply>('POST', '/attestation/result', response),
  authenticationOptions: (req: { username?: string; userVerification?: UserVerification }) => call<AuthenticationOptions>('POST', '/assertion/options', req),
  authenticationResult: (response: AuthenticationResponseJSON) => call<AuthenticationReply>('POST', '/assertion/result', response),
  /** The signed-in user, or null; GET /session never answers 401, so anonymous page loads log no error. */
  me: async (): Promise<Me | null> => {
    const r = await call<Reply & { signedIn: boolean } & Partial<Me>>('GET', '/session');
    return r.signedIn ? (r as Me) : null;
  },
  credentials: () => call<Reply & { credentials: CredentialView[] }>('GET', '/account/credentials'),
  renameCredential: (id: string, name: string) => call<Reply>('PATCH', `/account/credentials/${encodeURIComponent(id)}`, { name }),
  removeCredential: (id: string) => call<Reply>('DELETE', `/account/credentials/${encodeURIComponent(id)}`),
  logout: () => call<Reply>('POST', '/session/logout', {}),
};
