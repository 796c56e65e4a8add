/**
 * The hostile-input fuzz suite (test/fuzz/http-surface.test.ts) covers every operation the
 * OpenAPI document describes: a new route without a fuzz entry fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../server/src/config/load-config.js';
import { openApiDocument } from '../../server/src/http/openapi-document.js';
import { ENDPOINTS } from '../helpers/fuzz-arbitraries.js';

describe('fuzz coverage', () => {
  it('lists every documented operation in the fuzz endpoints', () => {
    const doc = openApiDocument(loadConfig({ NODE_ENV: 'test' })) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{[^}]+\}/g, ':id')}`));
    const fuzzed = new Set(ENDPOINTS.map((e) => `${e.method} ${e.path}`));
    expect(documented.filter((op) => !fuzzed.has(op))).toEqual([]);
  });
});
