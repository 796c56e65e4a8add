/**
 * The glue of helpers/openapi-check.ts on a small document of its own: path templates,
 * status lookup (exact, range, default), `$ref`ed responses, content types, HEAD, the
 * generic 404 and static files. Validation itself is Ajv's.
 */
import { describe, expect, it } from '@jest/globals';
import { responseChecker } from '../helpers/openapi-check.js';

const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const doc = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/items/{id}': {
      get: { responses: { '200': { description: 'an item', ...json({ $ref: '#/components/schemas/Item' }) }, '4XX': { $ref: '#/components/responses/Failed' } } },
      delete: { responses: { '204': { description: 'gone' }, default: { $ref: '#/components/responses/Failed' } } },
    },
    '/items/new': { get: { responses: { '200': { description: 'a template', ...json({ const: 'template' }) } } } },
    '/text': { get: { responses: { '200': { description: 'text', content: { 'text/*': { schema: { type: 'string', maxLength: 3 } } } } } } },
  },
  components: {
    schemas: {
      Item: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, at: { type: 'string', format: 'date-time' } } },
      Failed: { type: 'object', required: ['status', 'errorMessage', 'code'], properties: { status: { const: 'failed' } } },
    },
    responses: { Failed: { description: 'refused', ...json({ $ref: '#/components/schemas/Failed' }) } },
  },
};
const check = responseChecker(doc);
const JSON_UTF8 = 'application/json; charset=utf-8';
const failed = { status: 'failed', errorMessage: 'No.', code: 'x' };

describe('responseChecker', () => {
  it('matches templates (a literal path before a templated one; case and a trailing slash ignored, the query too)', () => {
    expect(check({ method: 'GET', path: '/items/abc?x=/1', status: 200, contentType: JSON_UTF8, body: { id: 'abc' } })).toEqual([]);
    expect(check({ method: 'get', path: '/Items/abc/', status: 200, contentType: JSON_UTF8, body: { id: 'abc' } })).toEqual([]);
    expect(check({ method: 'GET', path: '/items/new', status: 200, contentType: JSON_UTF8, body: 'template' })).toEqual([]);
    expect(check({ method: 'GET', path: '/items/new', status: 200, contentType: JSON_UTF8, body: { id: 'new' } })).toEqual([expect.stringMatching(/^GET \/items\/new 200: \(body\) must be equal to constant "template"/)]);
    expect(check({ method: 'GET', path: '/items/a/b', status: 200, contentType: JSON_UTF8, body: { id: 'a' } })).toEqual([expect.stringMatching(/is in no path of the document, and it answered 200/)]);
  });

  it('validates formats and follows $refs inside schemas', () => {
    expect(check({ method: 'GET', path: '/items/1', status: 200, contentType: JSON_UTF8, body: { id: 1, at: 'yesterday' } })).toEqual([
      expect.stringMatching(/^GET \/items\/\{id\} 200: \/id must be string/),
      expect.stringMatching(/^GET \/items\/\{id\} 200: \/at must match format "date-time"/),
    ]);
  });

  it('finds the response by exact status, then range, then default, through components/responses', () => {
    expect(check({ method: 'GET', path: '/items/1', status: 404, contentType: JSON_UTF8, body: failed })).toEqual([]);
    expect(check({ method: 'GET', path: '/items/1', status: 409, contentType: JSON_UTF8, body: { status: 'failed' } })).toEqual([
      expect.stringMatching(/^GET \/items\/\{id\} 409: \(body\) must have required property 'errorMessage'/),
      expect.stringMatching(/required property 'code'/),
    ]);
    expect(check({ method: 'GET', path: '/items/1', status: 503, contentType: JSON_UTF8, body: failed })).toEqual([expect.stringMatching(/status 503 is not documented \(documented: 200, 4XX\)/)]);
    expect(check({ method: 'DELETE', path: '/items/1', status: 503, contentType: JSON_UTF8, body: failed })).toEqual([]);
  });

  it('checks the content type (parameters ignored, ranges honoured) and bodies the document does not describe', () => {
    expect(check({ method: 'GET', path: '/items/1', status: 200, contentType: 'text/html', body: '<p>' })).toEqual([expect.stringMatching(/Content-Type text\/html is not documented \(documented: application\/json\)/)]);
    expect(check({ method: 'GET', path: '/items/1', status: 200, body: '' })).toEqual([expect.stringMatching(/no Content-Type; documented: application\/json/)]);
    expect(check({ method: 'GET', path: '/text', status: 200, contentType: 'text/plain; charset=utf-8', body: 'abc' })).toEqual([]);
    expect(check({ method: 'GET', path: '/text', status: 200, contentType: 'text/plain', body: 'abcd' })).toEqual([expect.stringMatching(/must NOT have more than 3 characters/)]);
    expect(check({ method: 'DELETE', path: '/items/1', status: 204, body: '' })).toEqual([]);
    expect(check({ method: 'DELETE', path: '/items/1', status: 204, contentType: JSON_UTF8, body: {} })).toEqual([expect.stringMatching(/describes no body, but it has one/)]);
  });

  it('answers HEAD from the GET operation without a body', () => {
    expect(check({ method: 'HEAD', path: '/items/1', status: 200, contentType: JSON_UTF8, body: '' })).toEqual([]);
    expect(check({ method: 'HEAD', path: '/items/1', status: 500, contentType: JSON_UTF8, body: '' })).toEqual([expect.stringMatching(/status 500 is not documented/)]);
  });

  it('holds an undescribed path or method to the generic 404 Failed reply, and skips static files only when told', () => {
    expect(check({ method: 'POST', path: '/items/1', status: 404, contentType: JSON_UTF8, body: failed })).toEqual([]);
    expect(check({ method: 'GET', path: '/nowhere', status: 404, contentType: JSON_UTF8, body: { error: 'x' } })).toEqual([
      expect.stringMatching(/^\/nowhere is in no path of the document; its 404 body is no Failed: \(body\) must have required property 'status'/),
      expect.anything(),
      expect.anything(),
    ]);
    expect(check({ method: 'GET', path: '/nowhere', status: 404, contentType: 'text/html', body: 'Not Found' })).toEqual([expect.stringMatching(/its 404 is text\/html, not the JSON Failed reply/)]);
    expect(check({ method: 'GET', path: '/app.js', status: 200, contentType: 'text/javascript', body: '' })).toEqual([expect.stringMatching(/\/app\.js is in no path/)]);
    const withDemo = responseChecker(doc, { staticAssets: true });
    expect(withDemo({ method: 'GET', path: '/app.js', status: 200, contentType: 'text/javascript; charset=utf-8', body: 'x' })).toEqual([]);
    expect(withDemo({ method: 'HEAD', path: '/', status: 200, contentType: 'text/html', body: '' })).toEqual([]);
    expect(withDemo({ method: 'GET', path: '/nowhere', status: 200, contentType: JSON_UTF8, body: {} })).toEqual([expect.stringMatching(/is in no path/)]);
  });
});
