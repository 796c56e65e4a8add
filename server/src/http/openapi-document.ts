import { z } from 'zod';
import type { Config } from '../config/config-schema.js';
import { authenticationResultRequest, registrationResultRequest } from '../ceremonies/response-schemas.js';
import { sessionCookieName } from './middleware/session-cookie.js';
import { authenticationOptionsRequest, registrationOptionsRequest, renameCredentialRequest } from './request-schemas.js';

/**
 * The OpenAPI 3.1 description served at `/openapi.json`. Request bodies are generated from
 * the same zod schemas that validate them, so the document cannot drift from the code.
 */
export function openApiDocument(config: Config) {
  const body = (schema: z.ZodType, required = true) => {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    return { required, content: { 'application/json': { schema: json } } };
  };
  const ok = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Ok' } } } });
  const failed = { $ref: '#/components/responses/Failed' };
  const failures = (statuses: number[]) => Object.fromEntries(statuses.map((s) => [String(s), failed]));
  /** Ceremony calls: any refusal, including the per-IP rate limit (429). */
  const ceremony = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({
    summary,
    description,
    responses: { '200': ok(summary), ...failures([400, 401, 403, 404, 409, 413, 415, 429, 503]) },
    ...extra,
  });
  const op = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({ summary, description, responses: { '200': ok(summary), ...failures([400, 401, 403, 404, 409, 413, 415, 503]) }, ...extra });
  /** Account operations: the session cookie is required. */
  const account = (summary: string, description: string, extra: Record<string, unknown> = {}) => ({ ...op(summary, description, extra), security: [{ session: [] }] });
  const plain = (summary: string, description: string, failure = false) => ({
    summary,
    description,
    responses: {
      '200': { description: summary, content: { 'application/json': { schema: { type: 'object' } } } },
      ...(failure ? { '503': { $ref: '#/components/responses/Failed' } } : {}),
    },
  });
  const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Credential id (base64url)' }];

  return {
    openapi: '3.1.0',
    info: {
      title: 'keygate',
      version: '0.1.0',
      description:
        'WebAuthn/FIDO2 relying party. Ceremony endpoints follow the FIDO Alliance "Server Requirements and Transport Binding Profile". ' +
        'Every reply of the ceremony and account calls carries status "ok"|"failed" and errorMessage; failures add a stable snake_case `code` and, outside production, a developer `detail`. ' +
        'Adding or removing a key needs a recent sign-in: otherwise 403 step_up_required (sign in again, then retry).',
    },
    servers: config.rpOrigins.map((url) => ({ url })),
    paths: {
      '/attestation/options': {
        post: ceremony(
          'Start a registration',
          'Creation options for navigator.credentials.create(). A new username registers a new account; an existing one only from a session signed in as it (adding a key: recent sign-in needed, else 403 step_up_required), otherwise 409 username_taken. Creates an anonymous session cookie if needed.',
          { requestBody: body(registrationOptionsRequest) },
        ),
      },
      '/attestation/result': { post: ceremony('Finish a registration', 'Consumes the pending challenge, verifies the attestation and stores the credential; a new user is signed in.', { requestBody: body(registrationResultRequest) }) },
      '/assertion/options': { post: ceremony('Start an authentication', 'Request options for navigator.credentials.get(); no username (or no body) = discoverable credential.', { requestBody: body(authenticationOptionsRequest, false) }) },
      '/assertion/result': { post: ceremony('Finish an authentication', 'Consumes the pending challenge, verifies the assertion and signs the user in (session rotated).', { requestBody: body(authenticationResultRequest) }) },
      '/session': { get: op('Am I signed in', '`signedIn` plus, when true, the user and session; never 401.') },
      '/account/me': { get: account('Who am I', 'The signed-in user and session (401 not_signed_in otherwise).') },
      '/account/credentials': { get: account('List my credentials', 'Security keys and passkeys of the signed-in user.') },
      '/account/credentials/{id}': {
        patch: account('Rename a credential', 'Renames one of the caller\'s credentials.', { parameters: idParam, requestBody: body(renameCredentialRequest) }),
        delete: account('Remove a credential', 'Removes one of the caller\'s credentials; needs a recent sign-in (403 step_up_required); never the last one that can sign in (409 last_credential); 409 account_busy while another removal runs. Ends the other sessions signed in with it.', { parameters: idParam }),
      },
      '/session/logout': { post: op('Sign out', 'Ends the session and clears the cookie.') },
      '/healthz': { get: plain('Liveness', 'The process is up: `{ "status": "ok" }`.') },
      '/readyz': { get: plain('Readiness', 'The store is reachable: `{ "status": "ok", "store": "memory" | "mongo" }`; 503 store_unavailable otherwise.', true) },
      '/openapi.json': { get: plain('This document', 'OpenAPI 3.1.') },
    },
    components: {
      schemas: {
        Ok: { type: 'object', required: ['status', 'errorMessage'], properties: { status: { const: 'ok' }, errorMessage: { const: '' } }, additionalProperties: true },
        Failed: {
          type: 'object',
          required: ['status', 'errorMessage', 'code'],
          properties: {
            status: { const: 'failed' },
            errorMessage: { type: 'string', minLength: 1, description: 'Safe to show to the user.' },
            code: { type: 'string', pattern: '^[a-z_]+$', description: 'Stable machine-readable reason.' },
            detail: { type: 'string', description: 'Developer detail; omitted in production.' },
          },
        },
      },
      responses: { Failed: { description: 'Refused; see `code`.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Failed' } } } } },
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: sessionCookieName(config) } },
    },
  };
}
