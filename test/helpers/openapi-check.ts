/**
 * Checks one real HTTP reply against keygate's OpenAPI 3.1 document: is this status
 * documented for this operation, with this content type, and does the body match the
 * documented schema? Glue only: the schemas are validated by Ajv (JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1), never by hand-written checks.
 *
 * Contract of `responseChecker(doc, opts)(reply)`: returns the violations (one readable
 * string each, empty when the reply is documented); never throws for a reply.
 *  - The concrete path (query ignored) is matched to a path template: templates without
 *    parameters first (OpenAPI §4.8.8.2), `{param}` matches one non-empty segment. Like
 *    Express's default routing, matching ignores case and one trailing slash.
 *  - The operation is the method's; HEAD falls back to GET (Express answers HEAD with the GET
 *    route) and its body, which HEAD never has, is not checked.
 *  - The response is the exact status, else its range (`4XX`), else `default`; `$ref`s to
 *    `#/components/responses/...` are followed. An undocumented status is a violation.
 *  - The content type (parameters such as charset ignored) must be one the response lists
 *    (`type/*` and `*\/*` ranges honoured); JSON bodies (and text bodies with a schema) are
 *    validated against the schema at that place in the document, so `$ref`s inside it
 *    resolve against the document itself.
 *  - A path or method the document does not describe is a violation, except a 4xx refusal
 *    (the generic 404 `not_found` of http/error-mapper.ts, or an app-wide check that runs
 *    before routing: Origin, content type, body size), which must still match
 *    `components/schemas/Failed`, and, with `opts.staticAssets`, non-JSON GET/HEAD replies
 *    (the demo's files, served by express.static).
 *
 * Checkers are cached by the document's JSON, so every harness of a test file with the same
 * document shares one Ajv instance and its compiled validators.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

/** One reply as the client got it. */
export interface ObservedReply {
  method: string;
  /** As requested, query included (it is ignored). */
  path: string;
  status: number;
  /** The Content-Type header, if any. */
  contentType?: string;
  /** The parsed JSON value for a JSON reply, else the text; `undefined` or '' when empty. */
  body?: unknown;
}

export type CheckResponse = (reply: ObservedReply) => string[];

type Json = Record<string, unknown>;

const DOC_ID = 'openapi';
const cache = new Map<string, CheckResponse>();

export function responseChecker(doc: object, opts: { staticAssets?: boolean } = {}): CheckResponse {
  const key = `${opts.staticAssets ? 'static' : 'api'}:${JSON.stringify(doc)}`;
  let checker = cache.get(key);
  if (!checker) {
    checker = buildChecker(doc as Json, opts.staticAssets ?? false);
    cache.set(key, checker);
  }
  return checker;
}

function buildChecker(doc: Json, staticAssets: boolean): CheckResponse {
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  ajvFormats.default(ajv);
  // The whole document, once: every schema is compiled from its place in it.
  ajv.addSchema(doc, DOC_ID);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string[]) => {
    const ref = `${DOC_ID}#/${pointer.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    let v = validators.get(ref);
    if (!v) {
      v = ajv.compile({ $ref: ref });
      validators.set(ref, v);
    }
    return v;
  };
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const templates = Object.keys(paths)
    .map((template) => ({ template, params: (template.match(/\{[^}]+\}/g) ?? []).length, re: templateRegExp(template) }))
    .sort((a, b) => a.params - b.params);

  return (reply) => {
    const method = reply.method.toLowerCase();
    const path = reply.path.split('?')[0]!;
    const media = mediaType(reply.contentType);
    const isJson = media !== undefined && isJsonMedia(media);
    const empty = reply.body === undefined || reply.body === '';
    const template = templates.find((t) => t.re.test(path))?.template;
    const item = template === undefined ? undefined : paths[template]!;
    const opMethod = item?.[method] ? method : method === 'head' && item?.get ? 'get' : undefined;

    if (!item || !opMethod) {
      const what = !item ? `${path} is in no path of the document` : `${template} documents no ${reply.method.toUpperCase()}`;
      if (staticAssets && !isJson && (method === 'get' || method === 'head')) return [];
      // The app-wide refusals (Origin check, content type, body limits) run before routing, so
      // an undescribed operation may also be refused with another 4xx: always a Failed body.
      if (reply.status < 400 || reply.status >= 500) return [`${what}, and it answered ${reply.status}`];
      if (!isJson) return [`${what}; its ${reply.status} is ${reply.contentType ?? 'without a Content-Type'}, not the JSON Failed reply`];
      if (method === 'head') return [];
      return schemaErrors(validatorAt(['components', 'schemas', 'Failed']), reply.body).map((e) => `${what}; its ${reply.status} body is no Failed: ${e}`);
    }

    const where = `${opMethod.toUpperCase()} ${template}`;
    const responses = ((item[opMethod] as Json).responses ?? {}) as Json;
    const status = String(reply.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => k in responses);
    if (key === undefined) return [`${where}: status ${status} is not documented (documented: ${Object.keys(responses).join(', ') || 'none'})`];
    const found = followRef(doc, responses[key] as Json, ['paths', template!, opMethod, 'responses', key]);
    if (typeof found === 'string') return [`${where} ${status}: ${found}`];
    const content = found.response.content as Record<string, Json> | undefined;

    if (!content || Object.keys(content).length === 0) {
      return empty || method === 'head' ? [] : [`${where} ${status}: the document describes no body, but it has one (${reply.contentType ?? 'no Content-Type'})`];
    }
    if (media === undefined) return empty && (reply.status === 204 || reply.status === 304) ? [] : [`${where} ${status}: no Content-Type; documented: ${Object.keys(content).join(', ')}`];
    const listed = Object.keys(content).find((k) => mediaMatches(k, media));
    if (listed === undefined) return [`${where} ${status}: Content-Type ${media} is not documented (documented: ${Object.keys(content).join(', ')})`];
    if (method === 'head' || content[listed]!.schema === undefined) return [];
    if (!isJson && !media.startsWith('text/')) return [];
    if (empty && isJson) return [`${where} ${status}: empty ${media} body`];
    return schemaErrors(validatorAt([...found.pointer, 'content', listed, 'schema']), reply.body).map((e) => `${where} ${status}: ${e}`);
  };
}

/** A response object, `$ref`s to `#/components/responses/...` followed, with its JSON pointer in the document. */
function followRef(doc: Json, response: Json, pointer: string[]): { response: Json; pointer: string[] } | string {
  for (let hops = 0; typeof response.$ref === 'string'; hops++) {
    const m = /^#\/components\/responses\/([^/]+)$/.exec(response.$ref);
    const target = m ? ((doc.components as Json | undefined)?.responses as Json | undefined)?.[m[1]!] : undefined;
    if (!m || !target || hops > 8) return `response $ref ${response.$ref} does not resolve to a components/responses entry`;
    response = target as Json;
    pointer = ['components', 'responses', m[1]!];
  }
  return { response, pointer };
}

function schemaErrors(validate: ValidateFunction, body: unknown): string[] {
  if (validate(body)) return [];
  return (validate.errors ?? []).map(describeError);
}

/** `"/user/id must be string"`, with the allowed values or the offending property when Ajv knows them. */
function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const hint =
    'allowedValue' in p ? ` ${JSON.stringify(p.allowedValue)}`
    : 'allowedValues' in p ? ` ${JSON.stringify(p.allowedValues).slice(0, 120)}`
    : 'additionalProperty' in p ? ` ('${String(p.additionalProperty)}')`
    : '';
  return `${e.instancePath || '(body)'} ${e.message ?? e.keyword}${hint} [schema ${e.schemaPath}]`;
}

/** `/account/credentials/{id}` → /^\/account\/credentials\/[^/]+\/?$/i (Express: case-insensitive, non-strict). */
function templateRegExp(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}/?$`, 'i');
}

/** `application/json; charset=utf-8` → `application/json`. */
function mediaType(contentType: string | undefined): string | undefined {
  const media = contentType?.split(';')[0]!.trim().toLowerCase();
  return media || undefined;
}

function isJsonMedia(media: string): boolean {
  return media === 'application/json' || media.endsWith('+json');
}

/** Whether a documented media type or range (`text/*`, `*\/*`) covers the reply's. */
function mediaMatches(documented: string, media: string): boolean {
  const d = documented.split(';')[0]!.trim().toLowerCase();
  return d === media || d === '*/*' || (d.endsWith('/*') && media.startsWith(d.slice(0, -1)));
}
