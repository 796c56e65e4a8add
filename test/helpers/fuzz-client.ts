/**
 * The fuzz suite's HTTP client: raw `node:http` requests over ONE keep-alive connection to a
 * keygate listening on 127.0.0.1, so a request can carry anything a hostile client could send
 * (any method, content type, encoding, raw bytes, chunked framing, a body on GET) and thousands
 * of them cost neither a server per request (as `supertest(app)` does) nor thousands of ports.
 *
 * A {@link CookieJar} plays a browser's cookie store for one "agent". Every request and reply
 * is summarised by {@link describeExchange} for failure messages (bodies cut to a preview).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** What a browser would keep of Set-Cookie: name → value (attributes dropped). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** Extra raw text appended to the Cookie header (hostile cookies), if any. */
  extra: string | undefined;

  header(): string | undefined {
    const parts = [...this.cookies].map(([k, v]) => `${k}=${v}`);
    if (this.extra !== undefined) parts.push(this.extra);
    return parts.length > 0 ? parts.join('; ') : undefined;
  }

  take(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq < 1) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.split('=').map((s) => s.trim().toLowerCase());
        return (k === 'max-age' && Number(v) <= 0) || (k === 'expires' && Date.parse(v ?? '') < Date.now() - 1000 * 86400 * 365);
      });
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  clone(): CookieJar {
    const j = new CookieJar();
    for (const [k, v] of this.cookies) j.cookies.set(k, v);
    j.extra = this.extra;
    return j;
  }
}

export interface RawRequest {
  method: string;
  /** Path and query, already percent-encoded where needed. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked (in a few pieces) instead of Content-Length. */
  chunked?: boolean;
  jar?: CookieJar;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
  ms: number;
}

/** A keygate app listening on an ephemeral port, and a client for it. */
export class FuzzClient {
  readonly #server: http.Server;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  #port = 0;
  /** Requests sent so far (every one, setup included). */
  sent = 0;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async listen(app: Express): Promise<FuzzClient> {
    const server = http.createServer(app);
    const client = new FuzzClient(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client.#port = (server.address() as AddressInfo).port;
    return client;
  }

  async close(): Promise<void> {
    this.#agent.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** One request; retried once on a fresh connection when the kept-alive one was closed under it. */
  async send(req: RawRequest): Promise<RawReply> {
    try {
      return await this.#once(req);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ECONNRESET' && code !== 'EPIPE') throw err;
      return this.#once(req, true);
    }
  }

  #once(req: RawRequest, fresh = false): Promise<RawReply> {
    this.sent++;
    const started = performance.now();
    const headers: Record<string, string> = { ...req.headers };
    const cookie = req.jar?.header();
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    const body = req.body;
    if (body !== undefined && !req.chunked) headers['content-length'] = String(body.length);
    // Explicit, or Node sends a GET/DELETE body unframed (it only chunks POST/PUT/PATCH by default).
    if (body !== undefined && req.chunked) headers['transfer-encoding'] = 'chunked';
    return new Promise<RawReply>((resolve, reject) => {
      const r = http.request(
        { host: '127.0.0.1', port: this.#port, method: req.method, path: req.path, headers, agent: fresh ? false : this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            req.jar?.take(res.headers['set-cookie']);
            let json: unknown;
            if (/^application\/json/i.test(res.headers['content-type'] ?? '')) {
              try {
                json = JSON.parse(text);
              } catch {
                json = undefined;
              }
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
          });
        },
      );
      r.on('error', reject);
      if (body !== undefined && req.chunked) {
        const n = Math.max(1, Math.min(4, body.length));
        const step = Math.ceil(body.length / n);
        for (let i = 0; i < body.length; i += step) r.write(body.subarray(i, i + step));
      } else if (body !== undefined) {
        r.write(body);
      }
      r.end();
    });
  }
}

const preview = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/** A request and its reply in a few lines, for failure messages. */
export function describeExchange(req: RawRequest, reply?: RawReply): string {
  const headers = { ...req.headers, ...(req.jar?.header() ? { cookie: req.jar.header() } : {}) };
  const body = req.body === undefined ? '(no body)' : preview(req.body.toString('latin1'));
  const lines = [`${req.method} ${preview(req.path, 200)}${req.chunked ? ' (chunked)' : ''}`, `headers: ${preview(JSON.stringify(headers), 400)}`, `body: ${body}`];
  if (reply) lines.push(`→ ${reply.status} ${preview(reply.text, 800)}`);
  return lines.join('\n  ');
}
