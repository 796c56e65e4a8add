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
  const detail = `${path}: ${issue.message}`;
  if ((issue as { params?: { code?: string } }).params?.code === 'invalid_base64url') {
    throw new BadRequestError('invalid_base64url', detail, { variant: 'field', params: { field: path } });
  }
  throw new BadRequestError('invalid_request', detail, { variant: 'field', params: { field: path, problem: issue.message } });
}
