/**
 * The shapes of keygate's replies as the demo reads them (re-exported by api.ts), inferred
 * from the zod schemas keygate builds its replies and its OpenAPI document from
 * (server/src/http/response-schemas.ts): nothing here is copied by hand, so a reply that
 * changes shape breaks the demo's type check. Type-only imports: nothing of the server is
 * bundled into the demo.
 */
import type { PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { z } from 'zod';
import type * as Q from '../../server/src/http/request-schemas.js';
import type * as R from '../../server/src/http/response-schemas.js';
import type * as A from '../../server/src/http/admin-response-schemas.js';
import type * as P from '../../server/src/http/approval-response-schemas.js';
import type { RecoveryInfo } from './api-error.js';

export interface Reply {
  status: 'ok' | 'failed';
  errorMessage: string;
}

/** Types inferred from keygate's own reply schemas (server/src/http/response-schemas.ts, the source of /openapi.json). */
type Of<S extends z.ZodType> = z.output<S>;

export type CredentialKind = Of<typeof R.credentialKind>;
/** A credential as `GET /account/credentials` shows it. */
export type CredentialView = R.CredentialView;
export type Flags = Of<typeof R.flags>;
/** Outside production only: what keygate decoded and verified. */
export type RegistrationDebug = R.RegistrationDebug;
export type AuthenticationDebug = R.AuthenticationDebug;
export type UserView = R.UserView;
/** A signed-in session: when and what it proved (`amr`, RFC 8176 values) at which level (`acr`). */
export type SessionView = R.SessionView;
export type Me = Of<typeof R.meReply>;
/** What keygate wants next after a password: a second factor, or (no second factor yet) `enrol`. */
export type NextStep = Of<typeof R.nextStep>;
/**
 * A half sign-in (password accepted, second step missing): as `GET /session` reports it, or
 * as the demo knows it right after `POST /login/password` (username and `next` only).
 */
export type PendingSignIn = Pick<R.PendingSignInView, 'username' | 'next'> & Partial<R.PendingSignInView>;
/** `GET /session` as keygate sends it. */
export type SessionReply = Of<typeof R.sessionReply>;

/** `GET /session` as the demo keeps it: signed in or not, a pending half sign-in, whether passwords are enabled, and what POST /token issues for. */
export interface SessionState {
  me: Me | null;
  pendingSignIn: PendingSignIn | null;
  passwordLogin: boolean;
  /** The audiences POST /token issues for (`TOKEN_AUDIENCES`); empty: no tokens. */
  tokenAudiences: string[];
  /** Whether keygate offers sign-in approval from a signed-in device (`APPROVAL`). */
  approval: boolean;
}

/** `POST /token { audience, txn? }`: a compact JWS (the JWT) and its lifetime in seconds. */
export type TokenReply = Of<typeof R.tokenReply>;
/** `GET /account/factors`. */
export type Factors = Of<typeof R.factorsReply>;
/** `POST /account/totp`: scan `qrCode` (a data: URL PNG) or type `secret` (base32). */
export type TotpEnrolment = Of<typeof R.totpEnrolmentReply>;
export type TotpConfirmReply = Of<typeof R.factorConfirmReply>;
export type RecoveryCodesReply = Of<typeof R.recoveryCodesReply>;
export type CredentialsReply = Of<typeof R.credentialsReply>;
export type NextStepsReply = Of<typeof R.nextStepsReply>;
export type OobSendReply = Of<typeof R.oobSendReply>;
export type ApprovalRequestReply = Of<typeof P.approvalRequestReply>;
export type ApprovalStatusReply = Of<typeof P.approvalStatusReply>;
export type ApprovalView = Of<typeof P.approvalView>;
export type ApprovalsReply = Of<typeof P.approvalsReply>;
export type ApprovalDenyReply = Of<typeof P.approvalDenyReply>;
/** SMS or email, the channels of one-time codes. */
export type OobChannel = Of<typeof R.oobSendReply>['channel'];
/** `POST /account/oob`: where the first code went (`to`, masked) and the destination as keygate keeps it. */
export type OobEnrolment = Of<typeof R.oobEnrolmentReply>;
export type OobConfirmReply = Of<typeof R.factorConfirmReply>;
/** `GET /dev/messages` (DELIVERY=dev only). */
export type DevMessagesReply = Of<typeof R.devMessagesReply>;
export type DevMessage = DevMessagesReply['messages'][number];
export type LogoutOthersReply = Of<typeof R.logoutOthersReply>;
export type ActivityReply = Of<typeof R.activityReply>;
/** One event of GET /account/activity. */
export type ActivityEvent = R.ActivityEventView;
export type OkReply = Of<typeof R.okReply>;

/** Request bodies, inferred from the schemas keygate validates them with (server/src/http/request-schemas.ts). */
export type RegistrationRequest = z.input<typeof Q.registrationOptionsRequest>;
export type AuthenticationRequest = z.input<typeof Q.authenticationOptionsRequest>;
export type UserVerification = NonNullable<AuthenticationRequest['userVerification']>;

/** The options as keygate sends them, typed for @simplewebauthn/browser as well. */
export type RegistrationOptions = Of<typeof R.registrationOptionsReply> & PublicKeyCredentialCreationOptionsJSON;
export type AuthenticationOptions = Of<typeof R.authenticationOptionsReply> & PublicKeyCredentialRequestOptionsJSON;
export type RegistrationReply = Of<typeof R.registrationResultReply>;
export type AuthenticationReply = Of<typeof R.authenticationResultReply>;
/** `POST /login/totp` and `/login/recovery-code` (the latter adds `recovery`). */
export type CodeSignInReply = Of<typeof R.codeSignInReply>;
/** Anything that signed the user in: the demo announces the user and, after a recovery code, what remains. */
export interface SignedInReply {
  user?: UserView;
  recovery?: RecoveryInfo;
}

// ---- Administration (/admin/) and one-time links ----------------------------------------

/** `POST /link/options`: the secret from the link's `#link=` fragment, plus the usual hints. */
export type LinkOptionsRequest = z.input<typeof Q.linkOptionsRequest>;
export type AdminUser = A.AdminUserView;
/** A credential as administrators see it: the account view plus keygate's verdicts (attestation, MDS3, policy) and why it is disabled. */
export type AdminCredential = A.AdminCredentialView;
export type AdminAuditEvent = A.AdminAuditEventView;
export type AdminUsersQuery = z.input<typeof Q.adminUsersQuery>;
export type AdminAuditQuery = z.input<typeof Q.adminAuditQuery>;
export type AdminUsersReply = Of<typeof A.adminUsersReply>;
export type AdminUserReply = Of<typeof A.adminUserReply>;
export type AdminCredentialReply = Of<typeof A.adminCredentialReply>;
export type AdminCredentialsReply = Of<typeof A.adminCredentialsReply>;
export type AdminLinkReply = Of<typeof A.adminLinkReply>;
export type AdminAuditReply = Of<typeof A.adminAuditReply>;
export type AdminMdsReply = Of<typeof A.adminMdsReply>;
