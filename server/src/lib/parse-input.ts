import type { z } from 'zod';
import { BadRequestError } from '../errors/keygate-error.js';

/**
 * Validates untrusted input (a request body) against its zod schema. The first problem becomes the error:
 * `invalid_base64url` for binary fields, `invalid_request` for anything else, with the
 * field path in the developer detail.
 */
export function parseInput<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? issue.path.join('.') : '(body)';
  const code = (issue as { params?: { code?: string } }).params?.code ?? 'invalid_request';
  const message = code === 'invalid_base64url' ? `${path} is not valid base64url.` : `The request is invalid: ${path} ${issue.message}.`;
  throw new BadRequestError(code, message, `${path}: ${issue.message}`);
}
