/**
 * Every `code` keygate answers, with its one HTTP status and its user-safe message.
 *
 * This table is the contract integrators match on: a code is never answered with another
 * status, and a code that is not here does not compile (`ErrorCode`). `message` is what a
 * reply's `errorMessage` says by default: a complete sentence a person can act on, never
 * developer detail (that goes in the error's `detail`). Where one code is answered in
 * situations that need different words, `variants` names them; a throw site picks one by
 * key (checked by the compiler). A variant may hold `{placeholders}`, filled from typed
 * `params` (see `formatErrorMessage`); the default `message` never does.
 *
 * The README's error-code tables, the OpenAPI `code` enum and the demo are checked against
 * this table by test/unit/error-catalogue.test.ts.
 */
export const ERROR_CATALOGUE = {
  // 400: malformed input
  invalid_request: {
    status: 400,
    message: 'The request is invalid.',
    variants: {
      field: 'The request is invalid: {field} {problem}.',
      tooDeep: 'The request is nested too deeply.',
      lengthMismatch: 'The request body length does not match Content-Length.',
    },
  },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  request_aborted: { status: 400, message: 'The request was aborted.' },
  invalid_base64url: { status: 400, message: 'A field of the request is not valid base64url.', variants: { field: '{field} is not valid base64url.' } },
  malformed_client_data: { status: 400, message: 'The browser response could not be read.' },
  malformed_attestation_object: { status: 400, message: 'The authenticator response could not be read.' },
  malformed_authenticator_data: { status: 400, message: 'The authenticator response could not be read.' },
  invalid_username: { status: 400, message: 'Usernames are 1 to 64 visible characters.' },
  invalid_display_name: { status: 400, message: 'Display names are at most 64 visible characters.' },
  weak_password: {
    status: 400,
    message: 'This password cannot be used. Please choose another.',
    variants: {
      length: 'Choose a password of {min} to {max} characters.',
      isUsername: 'Your password must not be your username.',
      unstorable: 'Your password contains characters that cannot be stored. Please choose another.',
    },
  },
  invalid_confirmation_code: { status: 400, message: 'That code is not right. Check the time on your phone and try the current code.', variants: { oob: 'That code is not right. Check the message we sent and try again.' } },
  invalid_destination: {
    status: 400,
    message: 'Codes cannot be sent there. Check the phone number or email address.',
    variants: {
      sms: 'Enter a mobile phone number in international format, such as +33 6 12 34 56 78.',
      email: 'Enter a valid email address.',
    },
  },
  invalid_audience: { status: 400, message: 'keygate does not issue tokens for that audience.' },

  // 400: a ceremony response failed one of the ordered checks (ceremonies/)
  no_pending_ceremony: { status: 400, message: 'This request expired or was already used. Please start again.' },
  ceremony_mismatch: { status: 400, message: 'This response does not match the request in progress. Please start again.' },
  ceremony_type_mismatch: { status: 400, message: 'The response belongs to a different kind of ceremony.' },
  challenge_mismatch: { status: 400, message: 'The response does not answer this sign-in request. Please try again.' },
  origin_mismatch: { status: 400, message: 'This page is not allowed to use these credentials.' },
  cross_origin_not_allowed: { status: 400, message: 'Signing in from an embedded page of another site is not allowed.' },
  rp_id_mismatch: { status: 400, message: 'These credentials belong to a different site.' },
  user_presence_missing: { status: 400, message: 'The security key was not touched. Please try again.' },
  user_verification_missing: { status: 400, message: 'Your authenticator did not verify you (PIN or biometric). Please try again.' },
  unsupported_algorithm: { status: 400, message: 'This authenticator uses a key type keygate does not accept.' },
  credential_id_mismatch: { status: 400, message: 'The authenticator response is inconsistent.' },
  credential_id_too_long: { status: 400, message: 'This authenticator made a credential keygate cannot accept.' },
  attestation_invalid: { status: 400, message: 'The authenticator could not prove what it is.' },
  user_handle_missing: { status: 400, message: 'This passkey did not say which account it belongs to.' },
  unknown_credential: { status: 400, message: 'This security key or passkey is not registered for this sign-in.' },
  signature_invalid: { status: 400, message: 'The security key signature is not valid.' },
  backup_eligibility_changed: { status: 400, message: 'This passkey does not match the one registered.' },
  counter_regression: { status: 400, message: 'This security key reported an unexpected state and was blocked as a precaution. Contact your administrator.' },

  // 401: not signed in, or the sign-in attempt was refused
  not_signed_in: { status: 401, message: 'Please sign in first.', variants: { toAddKey: 'Please sign in again to add a security key.' } },
  invalid_credentials: { status: 401, message: 'Wrong username or password.' },
  no_pending_sign_in: {
    status: 401,
    message: 'This sign-in was already completed or has expired. Please start again.',
    variants: {
      passwordFirst: 'Please enter your username and password first.',
      passwordAgain: 'Please sign in with your password again.',
      alreadyEnrolled: 'This account already has a second factor. Sign in with it.',
    },
  },
  invalid_code: { status: 401, message: 'That code is not right. Check it and try again.' },
  code_already_used: { status: 401, message: 'That code was already used. Wait for the next code and try again.' },
  no_pending_code: { status: 401, message: 'This code expired, was already used or was tried too often. Ask for a new code.' },
  invalid_client: { status: 401, message: 'Client authentication failed.' },
  invalid_token: { status: 401, message: 'A valid metrics token is required.' },

  // 403: not allowed
  origin_not_allowed: { status: 403, message: 'This site may not call keygate.' },
  password_login_disabled: { status: 403, message: 'Passwords are not enabled here. Sign in with your security key or passkey.' },
  step_up_required: { status: 403, message: 'For your security, confirm it is you: sign in again with your security key (or your password and second factor), then retry.' },
  credential_disabled: { status: 403, message: 'This security key has been disabled. Use another one or contact your administrator.' },
  credential_possibly_cloned: { status: 403, message: 'This security key was blocked because it may have been copied. Use another key or contact your administrator.' },
  sign_in_too_old: { status: 403, message: 'Please sign in again to get a token.' },
  policy_violation: {
    status: 403,
    message: 'This security key does not meet the security policy for your account.',
    variants: {
      attestation: 'This security key cannot be used for your account: its maker and model could not be verified. Use an approved hardware security key.',
      model: 'This model of security key is not approved for your account. Use an approved one.',
      userVerification: 'Your account needs a security key that checks your PIN or fingerprint. Set one up on the key, or use another key.',
      synced: 'Your account needs a security key bound to one device: synced passkeys cannot be used.',
      kind: 'This kind of authenticator is not allowed for your account.',
      signIn: 'This security key no longer meets the security policy for your account. Use another key or contact your administrator.',
      secondFactor: 'This way of signing in is not allowed for your account. Use your security key.',
    },
  },
  oob_channel_disabled: {
    status: 403,
    message: 'Codes by text message or email are not available here.',
    variants: { sms: 'Codes by text message are not available here.', email: 'Codes by email are not available here.' },
  },
  approval_disabled: { status: 403, message: 'Approving a sign-in from another device is not available here.' },
  wrong_approval_number: { status: 403, message: 'That was not the number shown on the new device, so the sign-in was refused. If it was you, sign in again there.' },
  admin_required: {
    status: 403,
    message: 'This needs an administrator signed in with a hardware security key.',
    variants: {
      notAdmin: 'Only administrators may do this.',
      weakSignIn: 'Administrators must sign in with an attested, device-bound security key with user verification for this.',
    },
  },

  // 404: unknown path or id
  not_found: { status: 404, message: 'Not found.' },
  unknown_user: { status: 404, message: 'No account with that username.', variants: { deleted: 'This account no longer exists.' } },
  no_credentials: { status: 404, message: 'This account has no security key or passkey that can sign in.', variants: { useAnotherWay: 'This account has no security key or passkey that can sign in. Use another way.' } },
  totp_not_enrolled: { status: 404, message: 'There is no authenticator app on this account.', variants: { signIn: 'This account has no authenticator app. Use another way to sign in.' } },
  oob_not_enrolled: {
    status: 404,
    message: 'There is no phone number or email address for codes on this account.',
    variants: { signIn: 'This account cannot receive codes that way. Use another way to sign in.' },
  },
  credential_not_found: { status: 404, message: 'No such security key or passkey on your account.' },
  unknown_token: { status: 404, message: 'No such token of yours (it may have expired already).' },
  approval_not_found: { status: 404, message: 'There is no such sign-in request waiting: it was answered, it expired, or it was never made.' },
  link_not_found: { status: 404, message: 'This link is not valid: it was already used, it expired, or it was replaced by a newer one. Ask your administrator for a new one.' },

  // 409: a uniqueness rule or a concurrent change; nothing was written
  username_taken: {
    status: 409,
    message: 'That username is already registered.',
    variants: { signInInstead: 'That username is already registered. Sign in instead.', signInToAddKey: 'That username is already registered. Sign in to add another key.' },
  },
  credential_exists: { status: 409, message: 'This authenticator is already registered.' },
  counter_conflict: { status: 409, message: 'This security key was used twice at once. Please try again.' },
  no_pending_totp: {
    status: 409,
    message: 'Start adding the authenticator app again: the setup expired or was never started.',
    variants: { alreadyEnrolled: 'This account already has a second factor. Sign in with it.' },
  },
  no_pending_oob: {
    status: 409,
    message: 'Start adding the phone number or email address again: the code expired, was tried too often, or was never sent.',
    variants: { alreadyEnrolled: 'This account already has a second factor. Sign in with it.' },
  },
  approval_not_pending: { status: 409, message: 'This sign-in request was already answered or has expired.' },
  approval_not_approved: {
    status: 409,
    message: 'The sign-in has not been approved.',
    variants: { pending: 'Waiting for the approval on your other device.', refused: 'The sign-in was refused or has expired. Sign in again.' },
  },
  last_factor: { status: 409, message: 'This is your last way to sign in. Add another security key, passkey or authenticator app before removing it.' },
  account_busy: { status: 409, message: 'Another change to this account is in progress. Please try again.' },
  token_already_issued: { status: 409, message: 'A token for this sign-in was already issued. Sign in again for another.' },

  // 413, 415: the body itself
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as JSON (Content-Type: application/json).' },
  unsupported_encoding: { status: 415, message: 'The request body encoding is not supported.' },
  unsupported_charset: { status: 415, message: 'The request body charset is not supported.' },

  // 429: slow down (always with Retry-After)
  rate_limited: { status: 429, message: 'Too many attempts. Please wait a minute and try again.' },
  locked_out: { status: 429, message: 'Too many failed attempts. Try again later.', variants: { wait: 'Too many failed attempts. Try again in {wait}.' } },
  code_send_limited: {
    status: 429,
    message: 'Too many codes were asked for. Please wait and try again.',
    variants: { interval: 'A code was sent just now. Wait {wait} before asking for another.', window: 'Too many codes were sent. Try again in {wait}.' },
  },

  // 5xx: our side
  internal_error: { status: 500, message: 'Something went wrong on our side. Please try again.' },
  delivery_failed: { status: 503, message: 'The code could not be sent. Try again in a moment, or use another way to sign in.' },
  store_unavailable: { status: 503, message: 'The service is temporarily unavailable. Please try again.' },
  data_key_unavailable: { status: 503, message: 'The service cannot read its stored secrets right now. Please try again later.' },
} as const satisfies Record<string, CatalogueEntry>;

/** One row of the catalogue. */
export interface CatalogueEntry {
  /** The HTTP status this code is always answered with. */
  readonly status: number;
  /** The default user-safe `errorMessage`: a sentence ending in '.', no placeholders. */
  readonly message: string;
  /** Named alternative messages for situations that need other words; may hold `{placeholders}`. */
  readonly variants?: Readonly<Record<string, string>>;
}

type Catalogue = typeof ERROR_CATALOGUE;

/** Every code keygate can answer. */
export type ErrorCode = keyof Catalogue;

/** The codes whose catalogue status is `S` (e.g. `CodeWithStatus<404>`). */
export type CodeWithStatus<S extends number> = { [C in ErrorCode]: Catalogue[C]['status'] extends S ? C : never }[ErrorCode];

type VariantsOf<C extends ErrorCode> = Catalogue[C] extends { variants: infer V } ? V : Record<never, string>;

/** The variant names of code `C` (never, when it has none). */
export type VariantOf<C extends ErrorCode> = keyof VariantsOf<C> & string;

/** `'{min} to {max}'` → `'min' | 'max'`. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

type ParamsFor<T> = T extends string ? ([Placeholders<T>] extends [never] ? { params?: undefined } : { params: { readonly [P in Placeholders<T>]: string | number } }) : never;

/**
 * Which message of code `C` to show: the default (no `variant`), or a named variant with the
 * `params` its placeholders need.
 */
export type MessageChoice<C extends ErrorCode> =
  | { variant?: undefined; params?: undefined }
  | { [V in VariantOf<C>]: { variant: V } & ParamsFor<VariantsOf<C>[V]> }[VariantOf<C>];

/** Every code, in catalogue order (the OpenAPI enum). */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** The HTTP status of `code`. */
export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

/** The user-safe message of `code`: its default, or the chosen variant with its placeholders filled. */
export function formatErrorMessage<C extends ErrorCode>(code: C, choice?: MessageChoice<C>): string {
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  const variant = choice?.variant;
  const template = variant === undefined ? entry.message : entry.variants?.[variant];
  if (template === undefined) throw new TypeError(`error code ${code} has no message variant ${variant}`);
  const params: Readonly<Record<string, string | number>> = choice?.params ?? {};
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
