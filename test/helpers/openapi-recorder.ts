/**
 * Makes every reply an in-process app sends a check against the OpenAPI document: the
 * integration suite's real traffic, validated by `responseChecker` (openapi-check.ts).
 *
 * Contract of `withOpenApiCheck(app, config, opts)`:
 *  - under Jest, returns the same app behind a Proxy (elsewhere, the app itself): calling it
 *    (as supertest and http.createServer do) records the reply, and every property
 *    (`app.set`, `app.locals`, …) is the app's own;
 *  - recording copies what the app writes (`res.write`/`res.end` chunks) and changes nothing
 *    the client sees: same bytes, headers and status, no delay; the check runs on the
 *    reply's 'finish' (replies cut off before it are not checked);
 *  - the document is `openApiDocument(config)` (what GET /openapi.json serves), built per
 *    app; its validators are compiled once per test file and distinct document, when first
 *    needed (config holds random secrets, so two configs from one env are never equal);
 *  - violations go to a per-test-file list with the method, path, status, test name and a
 *    body preview; `takeOpenApiViolations()` returns and clears it (openapi-setup.ts fails
 *    the test with them after each test).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Config } from '../../server/src/config/config-schema.js';
import { openApiDocument } from '../../server/src/http/openapi-document.js';
import { responseChecker, type CheckResponse } from './openapi-check.js';

// Per test file: Jest gives each file its own globals, and this list must be the one the setup file reads.
const VIOLATIONS = Symbol.for('keygate.openapiViolations');
type Holder = { [VIOLATIONS]?: string[] };
const violations = (): string[] => ((globalThis as Holder)[VIOLATIONS] ??= []);
/** Jest's `expect` global (not imported: this module also loads outside Jest, where it checks nothing). */
const currentTest = (): string | undefined => (globalThis as { expect?: { getState(): { currentTestName?: string } } }).expect?.getState().currentTestName;

export function withOpenApiCheck(app: Express, config: Config, opts: { staticAssets?: boolean } = {}): Express {
  // Outside Jest (scripts/bench starts keygate through startKeygate) nobody reads the list: no check, no cost.
  if (process.env.JEST_WORKER_ID === undefined) return app;
  // A few ms per app; the Ajv side is shared by every app of the file with the same document.
  const check = responseChecker(openApiDocument(config), opts);
  return new Proxy(app, {
    apply(target, thisArg, args: unknown[]) {
      record(args[0] as IncomingMessage, args[1] as ServerResponse, check);
      return Reflect.apply(target, thisArg, args);
    },
  });
}

/** The violations recorded since the last call (this test file), and clears them. */
export function takeOpenApiViolations(): string[] {
  return violations().splice(0);
}

function record(req: IncomingMessage, res: ServerResponse, checkResponse: CheckResponse): void {
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const test = currentTest() ?? '(outside a test)';
  const chunks: Buffer[] = [];
  const keep = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    else if (chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    keep(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof res.write;
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') keep(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as typeof res.end;

  res.once('finish', () => {
    const header = res.getHeader('content-type');
    const contentType = header === undefined ? undefined : String(header);
    const text = Buffer.concat(chunks).toString('utf8');
    let found: string[];
    try {
      const json = text !== '' && /^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(contentType ?? '');
      found = checkResponse({ method, path, status: res.statusCode, contentType, body: json ? JSON.parse(text) : text });
    } catch (err) {
      // A JSON reply that does not parse (or a bug here): a violation, never an uncaught exception in the server.
      found = [`could not be checked: ${String(err)}`];
    }
    const preview = text.length > 160 ? `${text.slice(0, 160)}…` : text;
    for (const v of found) violations().push(`${method} ${path} → ${res.statusCode} (in "${test}"): ${v}\n      body: ${preview}`);
  });
}
