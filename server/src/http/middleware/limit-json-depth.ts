import type { RequestHandler } from 'express';
import { BadRequestError } from '../../errors/keygate-error.js';

/** Deepest nesting any keygate request needs is about 4; 32 leaves room for extensions. */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH (`invalid_request`). A 64 KiB body
 * can nest ~32 000 levels, which JSON.parse accepts but JSON.stringify and structuredClone
 * cannot handle (stack overflow), so such a body must never travel further. Iterative, so
 * the check itself cannot overflow.
 */
export const limitJsonDepth: RequestHandler = (req, _res, next) => {
  const stack: [unknown, number][] = [[req.body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      throw new BadRequestError('invalid_request', `JSON nesting deeper than ${MAX_JSON_DEPTH}`, { variant: 'tooDeep' });
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  next();
};
