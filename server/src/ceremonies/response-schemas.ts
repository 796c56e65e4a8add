import { z } from 'zod';
import { isBase64url } from '../lib/base64url.js';

/**
 * PublicKeyCredential JSON as the FIDO2 server profile (§7.3.3, §7.4.3) and
 * @simplewebauthn/browser send it. Binary fields are base64url; a field that is not gets
 * the error code `invalid_base64url`, any other shape problem `invalid_request`.
 * Normalised on the way in: `getClientExtensionResults` (older FIDO conformance clients)
 * becomes `clientExtensionResults`; an empty or null `userHandle` becomes absent.
 */
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .refine(isBase64url, { message: 'must be base64url (RFC 4648 §5, no padding)', params: { code: 'invalid_base64url' } });

const extensions = z.record(z.string(), z.unknown());

const credentialBase = {
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  clientExtensionResults: extensions.optional(),
  /** Older FIDO conformance clients send the results under this name. */
  getClientExtensionResults: extensions.optional(),
  authenticatorAttachment: z
    .enum(['platform', 'cross-platform'])
    .nullable()
    .optional()
    .transform((v) => v ?? undefined),
};

export const registrationResultRequest = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(8192),
    attestationObject: b64url(48000),
    transports: z.array(z.string().max(32)).max(16).optional(),
  }),
});

export const authenticationResultRequest = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: b64url(8192),
    authenticatorData: b64url(8192),
    signature: b64url(2048),
    /** Absent, null or "" when the authenticator returned none. */
    userHandle: z.union([b64url(128), z.null()]).optional(),
  }),
});

/** The normalised RegistrationResponseJSON / AuthenticationResponseJSON the verifiers take. */
export const registrationResponse = registrationResultRequest.transform(({ getClientExtensionResults, ...r }) => ({
  ...r,
  clientExtensionResults: r.clientExtensionResults ?? getClientExtensionResults ?? {},
}));

export const authenticationResponse = authenticationResultRequest.transform(({ getClientExtensionResults, ...r }) => ({
  ...r,
  response: { ...r.response, userHandle: r.response.userHandle || undefined },
  clientExtensionResults: r.clientExtensionResults ?? getClientExtensionResults ?? {},
}));
