import type { RequestHandler } from 'express';
import { BadRequestError } from '../../errors/keygate-error.js';

/** Deepest nesting any keygate request needs is about 4; 32 leaves room for extensions. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests objects or arrays deeper than MAX_JSON_DEPTH (the value itself at
 * `depth`). Recursive, but it never goes below MAX_JSON_DEPTH + 1 levels, so it cannot
 * overflow the stack; it allocates nothing but the key lists of plain objects.
 */
function tooDeep(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_JSON_DEPTH) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (tooDeep(value[i], depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && tooDeep((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/**
 * Throws `invalid_request` (variant tooDeep) for a parsed JSON body nested deeper than
 * MAX_JSON_DEPTH. A 64 KiB body can nest ~32 000 levels, which JSON.parse accepts but
 * JSON.stringify and recursive copies (the memory store's copyRecord) cannot handle (stack overflow), so such a body must
 * never travel further.
 */
export function assertJsonDepth(body: unknown): void {
  if (tooDeep(body, 1)) {
    throw new BadRequestError('invalid_request', `JSON nesting deeper than ${MAX_JSON_DEPTH}`, { variant: 'tooDeep' });
  }
}

/** `assertJsonDepth` on `req.body`, as a middleware. */
export const limitJsonDepth: RequestHandler = (req, _res, next) => {
  assertJsonDepth(req.body);
  next();
};
