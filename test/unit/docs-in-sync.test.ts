/**
 * Docs are part of the code: every configuration key is documented in the README's table
 * and in .env.example, and every route the app serves is in the OpenAPI document.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { configKeys } from '../../server/src/config/config-schema.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { openApiDocument } from '../../server/src/http/openapi-document.js';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('documentation', () => {
  it.each(Object.values(configKeys).map((k) => [k.env]))('documents %s in README and .env.example', (env) => {
    expect(read('README.md')).toContain(`| \`${env}\` |`);
    expect(read('.env.example')).toMatch(new RegExp(`^#? ?${env}=`, 'm'));
  });

  it('describes every route in the OpenAPI document', () => {
    const doc = openApiDocument(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }));
    const routes = readFileSync(new URL('../../server/src/http/routes/', import.meta.url).pathname + 'fido2-routes.ts', 'utf8') +
      read('server/src/http/routes/account-routes.ts') + read('server/src/http/routes/ops-routes.ts') +
      read('server/src/http/routes/login-routes.ts') + read('server/src/http/routes/factor-routes.ts') + read('server/src/http/routes/token-routes.ts');
    const declared = [...routes.matchAll(/r\.(get|post|put|patch|delete)\('([^']+)'/g)].map(([, m, p]) => [m, p!.replace(/:(\w+)/g, '{$1}')]);
    expect(declared.length).toBeGreaterThan(8);
    for (const [method, path] of declared) {
      expect((doc.paths as Record<string, Record<string, unknown>>)[path!]?.[method!]).toBeDefined();
    }
  });
});
