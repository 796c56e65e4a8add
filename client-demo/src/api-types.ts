/**
 * The shapes of keygate's replies as the demo reads them (re-exported by api.ts). Every
 * reply carries `status` and `errorMessage`; fields marked optional may be missing from an
 * older keygate, and the demo then shows less rather than failing.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { RecoveryInfo } from './api-error.js';

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

/** A signed-in session: when and what it proved (`amr`, RFC 8176 values) at which level (`acr`). */
export interface SessionView {
  authenticatedAt: string;
  /** JWT-style `auth_time`: seconds since the epoch (the same instant as `authenticatedAt`). */
  authTime?: number;
  amr?: string[];
  acr?: string;
  userVerified: boolean;
  credentialId: string | null;
  expiresAt: string;
  /** Signed in with a recovery code: the user should add a new key. */
  recovery?: boolean;
}

export interface Me extends Reply {
  user: UserView;
  session: SessionView;
}

/** What keygate wants next after a password: a second factor, or (no second factor yet) `enrol`. */
export type NextStep = 'webauthn' | 'totp' | 'recovery_code' | 'enrol';

/** A half sign-in (password accepted, second step missing), as `GET /session` reports it. */
export interface PendingSignIn {
  username: string;
  next: NextStep[];
  expiresAt?: string;
}

/** `GET /session`: signed in or not, a pending half sign-in, whether passwords are enabled, and what POST /token issues for. */
export interface SessionState {
  me: Me | null;
  pendingSignIn: PendingSignIn | null;
  passwordLogin: boolean;
  /** The audiences POST /token issues for (`TOKEN_AUDIENCES`); empty (or an older keygate): no tokens. */
  tokenAudiences: string[];
}

/** `POST /token { audience, txn? }`: a compact JWS (the JWT) and its lifetime in seconds. */
export interface TokenReply extends Reply {
  token: string;
  expiresIn: number;
}

/** `GET /account/factors`. */
export interface Factors extends Reply {
  password: boolean;
  webauthn: number;
  totp: boolean;
  recoveryCodes: { remaining: number };
}

/** `POST /account/totp`: scan `qrCode` (a data: URL PNG) or type `secret` (base32). */
export interface TotpEnrolment extends Reply {
  otpauthUri: string;
  qrCode: string;
  secret: string;
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
export type RegistrationReply = Reply & { userId: string; credential: CredentialView; session?: SessionView; debug?: RegistrationDebug };
export type AuthenticationReply = Reply & { user: UserView; credential: CredentialView; session?: SessionView; debug?: AuthenticationDebug };
/** `POST /login/totp` and `/login/recovery-code` (the latter adds `recovery`). */
export type CodeSignInReply = Reply & { user: UserView; session: SessionView; recovery?: RecoveryInfo };
/** Anything that signed the user in: the demo announces the user and, after a recovery code, what remains. */
export interface SignedInReply {
  user?: UserView;
  recovery?: RecoveryInfo;
}
