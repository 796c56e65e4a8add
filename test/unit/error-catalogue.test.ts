/**
 * The error catalogue (server/src/errors/error-catalogue.ts) is the one list of codes: the
 * README's error-code tables, the OpenAPI `code` enum and the demo's explanations must agree
 * with it, and every message in it must be fit to show to a person.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYGATE_WORDS } from '../../client-demo/src/errors.js';
import { loadConfig } from '../../server/src/config/load-config.js';
import { ERROR_CATALOGUE, ERROR_CODES, formatErrorMessage, type CatalogueEntry } from '../../server/src/errors/error-catalogue.js';
import { ConflictError, KeygateError, LockedOutError, NotFoundError } from '../../server/src/errors/keygate-error.js';
import { openApiDocument } from '../../server/src/http/openapi-document.js';

const root = new URL('../../', import.meta.url).pathname;
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const entries = Object.entries(ERROR_CATALOGUE) as [string, CatalogueEntry][];
const codes = [...ERROR_CODES].sort();

/** Codes the demo makes up itself for failures that are not keygate replies. */
const DEMO_OWN_CODES = new Set(['bad_reply', 'failed', 'network_error', 'webauthn_unsupported']);

/**
 * The rows of the tables under the README's "### Error codes" heading (up to the next
 * heading of level 1-3): the backticked codes of the first column and, when the table has a
 * `status` column, the statuses (one for the whole row, or one per code in order).
 */
function readmeRows(): { codes: string[]; statuses?: number[]; line: string }[] {
  const readme = read('README.md');
  const start = readme.indexOf('\n### Error codes\n');
  expect(start).toBeGreaterThan(0);
  const rest = readme.slice(readme.indexOf('\n', start + 1));
  const next = rest.search(/^#{1,3} /m);
  const section = next < 0 ? rest : rest.slice(0, next);
  const rows: { codes: string[]; statuses?: number[]; line: string }[] = [];
  let statusColumn = -1;
  let header = true;
  for (const line of section.split('\n')) {
    if (!line.startsWith('|')) {
      header = true;
      continue;
    }
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (header) {
      expect(cells[0]).toBe('code');
      statusColumn = cells.indexOf('status');
      header = false;
      continue;
    }
    if (/^-+$/.test(cells[0]!)) continue;
    const rowCodes = [...cells[0]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const statuses = statusColumn < 0 ? undefined : cells[statusColumn]!.split(',').map((s) => Number(s.trim()));
    rows.push({ codes: rowCodes, statuses, line });
  }
  return rows;
}

function demoSources(dir = 'client-demo/src'): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? demoSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('error catalogue', () => {
  it('has snake_case codes with a 4xx or 5xx status each', () => {
    expect(entries.length).toBeGreaterThan(50);
    for (const [code, entry] of entries) {
      expect([code, /^[a-z]+(_[a-z0-9]+)*$/.test(code)]).toEqual([code, true]);
      expect([code, Number.isInteger(entry.status) && entry.status >= 400 && entry.status <= 599]).toEqual([code, true]);
    }
  });

  it('has messages fit for people: non-empty sentences ending in ".", no developer jargon, placeholders only in variants', () => {
    const jargon = /\b(undefined|null|NaN|stack|exception|TypeError|Error:)\b|\[object|\bat \S+:\d+|\.(ts|js):\d+|[{}]\s*$/i;
    for (const [code, entry] of entries) {
      const messages: [string, string][] = [['(default)', entry.message], ...Object.entries(entry.variants ?? {})];
      for (const [variant, message] of messages) {
        const where = `${code} ${variant}: ${message}`;
        expect([where, message.trim().length > 0, message.endsWith('.'), message === message.trim()]).toEqual([where, true, true, true]);
        expect([where, jargon.test(message.replace(/\{\w+\}/g, 'X'))]).toEqual([where, false]);
        expect([where, /[{}]/.test(message.replace(/\{\w+\}/g, ''))]).toEqual([where, false]);
      }
      expect([code, /\{\w+\}/.test(entry.message)]).toEqual([code, false]);
    }
  });

  it('fills placeholders and gives errors their status and message from the catalogue', () => {
    expect(formatErrorMessage('weak_password', { variant: 'length', params: { min: 8, max: 128 } })).toBe('Choose a password of 8 to 128 characters.');
    const taken = new ConflictError('username_taken', 'username alice exists', { variant: 'signInInstead' });
    expect([taken.status, taken.code, taken.message, taken.detail]).toEqual([409, 'username_taken', ERROR_CATALOGUE.username_taken.variants.signInInstead, 'username alice exists']);
    const missing = new NotFoundError('credential_not_found');
    expect([missing.status, missing.message]).toEqual([404, ERROR_CATALOGUE.credential_not_found.message]);
    const locked = new LockedOutError(600);
    expect([locked.status, locked.message, locked.headers, locked.fields]).toEqual([429, 'Too many failed attempts. Try again in 10 minutes.', { 'Retry-After': '600' }, { retryAfterSeconds: 600 }]);
    expect(new KeygateError('rate_limited').status).toBe(429);
  });

  it('is what the README\'s error-code tables list, with the same statuses', () => {
    const rows = readmeRows();
    const listed = rows.flatMap((r) => r.codes);
    expect(listed.length).toBe(new Set(listed).size);
    expect([...listed].sort()).toEqual(codes);
    for (const row of rows) {
      if (!row.statuses) continue;
      const expected = row.codes.map((c) => ERROR_CATALOGUE[c as keyof typeof ERROR_CATALOGUE].status);
      const given = row.statuses.length === 1 ? row.codes.map(() => row.statuses![0]) : row.statuses;
      expect([row.line, given]).toEqual([row.line, expected]);
    }
  });

  it('is the OpenAPI error schema\'s code enum', () => {
    const doc = openApiDocument(loadConfig({ SESSION_SECRET: 'x'.repeat(32) }));
    const code = ((doc.components.schemas.Failed as { properties: unknown }).properties as { code: { enum: string[] } }).code;
    expect([...code.enum].sort()).toEqual(codes);
  });

  it('holds every code the demo explains or matches on', () => {
    for (const code of Object.keys(KEYGATE_WORDS)) expect([code, code in ERROR_CATALOGUE]).toEqual([code, true]);
    const matched = new Set<string>();
    for (const file of demoSources()) {
      const src = read(file).replace(/typeof [\w?.]+\s*[!=]==?\s*'\w+'/g, '');
      for (const m of src.matchAll(/\bcode\s*[!=]==?\s*'([a-z][a-z0-9_]*)'/g)) matched.add(m[1]!);
      for (const m of src.matchAll(/'([a-z][a-z0-9_]*)'\s*[!=]==?\s*[\w.?]*\bcode\b/g)) matched.add(m[1]!);
    }
    expect(matched.size).toBeGreaterThan(3);
    for (const code of matched) if (!DEMO_OWN_CODES.has(code)) expect([code, code in ERROR_CATALOGUE]).toEqual([code, true]);
  });
});
