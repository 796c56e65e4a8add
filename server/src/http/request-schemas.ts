import { z } from 'zod';
import { isBase64url } from '../lib/base64url.js';

/**
 * Request bodies of the FIDO2 server API ("Server Requirements and Transport Binding
 * Profile" §7) and the account API. Binary fields are base64url; a field that is not gets
 * the error code `invalid_base64url`, any other shape problem `invalid_request`.
 */
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .refine(isBase64url, { message: 'must be base64url (RFC 4648 §5, no padding)', params: { code: 'invalid_base64url' } });

const userVerification = z.enum(['required', 'preferred', 'discouraged']);
const extensions = z.record(z.string(), z.unknown());

export const registrationOptionsRequest = z.object({
  username: z.string().max(256),
  displayName: z.string().max(256).optional(),
  authenticatorSelection: z
    .object({
      authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
      residentKey: z.enum(['discouraged', 'preferred', 'required']).optional(),
      requireResidentKey: z.boolean().optional(),
      userVerification: userVerification.optional(),
    })
    .optional(),
  attestation: z.enum(['none', 'indirect', 'direct', 'enterprise']).optional(),
  extensions: extensions.optional(),
});

export const authenticationOptionsRequest = z.object({
  username: z.string().max(256).optional(),
  userVerification: userVerification.optional(),
  extensions: extensions.optional(),
});

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

export const renameCredentialRequest = z.object({
  name: z.string().trim().min(1).max(64),
});
