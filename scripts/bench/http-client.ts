/**
 * A minimal browser stand-in for the HTTP benchmarks: global `fetch` (undici, keep-alive)
 * with a hand-kept cookie jar, sending what a browser would (JSON body, `Origin` of the page).
 *
 * Requests go to `http://127.0.0.1:<port>` while `Origin` names `http://localhost:<port>`
 * (the RP origin; WebAuthn refuses IP addresses as RP IDs). Any non-2xx reply throws with
 * keygate's error body, so a broken ceremony can never be timed as a fast one.
 */

export class HttpClient {
  readonly #cookies = new Map<string, string>();

  constructor(
    readonly base: string,
    readonly origin: string,
  ) {}

  async post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/json', origin: this.origin };
    const cookie = this.#cookieHeader();
    if (cookie) headers.cookie = cookie;
    const res = await fetch(this.base + path, { method: 'POST', headers, body: JSON.stringify(body) });
    this.#store(res.headers.getSetCookie());
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path} -> ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  async get(path: string): Promise<string> {
    const res = await fetch(this.base + path);
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ${path} -> ${res.status}: ${text.slice(0, 300)}`);
    return text;
  }

  #cookieHeader(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #store(setCookies: string[]): void {
    for (const sc of setCookies) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expires = attrs.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
      const expired = expires !== undefined && Date.parse(expires.slice(8)) <= Date.now();
      if (value === '' || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}
