import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import type { Config } from '../../config/config-schema.js';

/** One header helmet sets (`value`) or removes (`value: undefined`), in helmet's order. */
type HeaderOp = readonly [name: string, value: string | undefined];

/**
 * The helmet configuration keygate answers with: a strict CSP (self only, no framing, no
 * plugins), HSTS and `upgrade-insecure-requests` over https, and helmet's other defaults.
 */
function helmetFor(config: Config) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.httpsOnly ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.httpsOnly ? { maxAge: 31536000, includeSubDomains: true } : false,
  });
}

/**
 * What helmet does to every reply, recorded once: the configuration above has no per-request
 * parts (no nonces, no functions), so helmet's 13 middlewares always make the same
 * `setHeader` / `removeHeader` calls. Recorded by running helmet itself against a recording
 * response, so the values are exactly helmet's (test/integration/request-path-invariants
 * pins them). Throws `TypeError` if helmet ever answered asynchronously or with an error.
 */
export function recordSecurityHeaders(config: Config): readonly HeaderOp[] {
  const ops: HeaderOp[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => void ops.push([name, String(value)]),
    removeHeader: (name: string) => void ops.push([name, undefined]),
  };
  let done = false;
  helmetFor(config)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw new TypeError(`helmet refused keygate's configuration: ${String(err)}`);
    done = true;
  });
  if (!done) throw new TypeError('helmet did not answer synchronously: its headers cannot be recorded once');
  return Object.freeze(ops);
}

/**
 * Sets helmet's security headers (recorded once by `recordSecurityHeaders`) on a reply:
 * the same names, values and order as `helmet(...)` per request, without rebuilding them.
 */
export function securityHeaders(config: Config): (res: ServerResponse) => void {
  const ops = recordSecurityHeaders(config);
  return (res) => {
    for (let i = 0; i < ops.length; i++) {
      const [name, value] = ops[i]!;
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
  };
}
