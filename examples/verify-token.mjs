#!/usr/bin/env node
/**
 * Verifies a keygate token offline, exactly as the README's "Tokens for integrators" shows.
 *
 *   node examples/verify-token.mjs <issuer-url | jwks-url> <token> [--audience A] [--issuer I]
 *
 *   node examples/verify-token.mjs https://login.example.com "$TOKEN" --audience https://deploy.example.com
 *   node examples/verify-token.mjs https://login.example.com/.well-known/jwks.json "$TOKEN" --issuer https://login.example.com
 *
 * Given the issuer, it reads `<issuer>/.well-known/openid-configuration` (whose `issuer` must be
 * that URL) for the JWKS URL; given the JWKS URL, the issuer is --issuer or, without it, the
 * discovery document next to the JWKS. The signature is checked with jose's createRemoteJWKSet
 * and only ES256, EdDSA or RS256 (never `none`, never an HMAC); then `iss`, `exp`/`nbf` and, with
 * --audience, `aud`. Valid: the claims as JSON on stdout, exit 0. Invalid or unreachable: why,
 * on stderr, exit 1. Bad usage: exit 2. Plain Node ESM; needs only `jose` (npm install jose).
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';

const ALGORITHMS = ['ES256', 'EdDSA', 'RS256']; // never 'none', never HS256
const JWKS_PATH = '/.well-known/jwks.json';
const DISCOVERY_PATH = '/.well-known/openid-configuration';
const USAGE = 'usage: node examples/verify-token.mjs <issuer-url | jwks-url> <token> [--audience A] [--issuer I]';

function parseArgs(argv) {
  const positional = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(audience|issuer)(?:=(.*))?$/.exec(argv[i]);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${m[1]} needs a value`);
      flags[m[1]] = value;
    } else if (argv[i].startsWith('--')) {
      throw new UsageError(`unknown option ${argv[i]}`);
    } else {
      positional.push(argv[i]);
    }
  }
  if (positional.length !== 2) throw new UsageError('expected a URL and a token');
  let url;
  try {
    url = new URL(positional[0]);
  } catch {
    throw new UsageError(`not a URL: ${positional[0]}`);
  }
  return { url, token: positional[1], ...flags };
}

class UsageError extends Error {}

async function discovery(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return res.json();
}

/** The JWKS URL and the issuer to expect, from the URL given and --issuer. */
async function resolve({ url, issuer }) {
  const href = url.href.replace(/\/+$/, '');
  if (href.endsWith(JWKS_PATH)) {
    if (issuer) return { jwksUrl: url, issuer };
    const doc = await discovery(href.slice(0, -JWKS_PATH.length) + DISCOVERY_PATH).catch((err) => {
      throw new Error(`cannot learn the issuer (${err.message}): pass --issuer`);
    });
    return { jwksUrl: url, issuer: doc.issuer };
  }
  const expected = issuer ?? href;
  const doc = await discovery(href + DISCOVERY_PATH);
  // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
  if (doc.issuer !== expected) throw new Error(`discovery document names issuer ${JSON.stringify(doc.issuer)}, expected ${JSON.stringify(expected)}`);
  return { jwksUrl: new URL(doc.jwks_uri), issuer: expected };
}

async function main(argv) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const { jwksUrl, issuer } = await resolve(args);
    const jwks = createRemoteJWKSet(jwksUrl);
    const { payload } = await jwtVerify(args.token, jwks, {
      issuer,
      ...(args.audience ? { audience: args.audience } : {}),
      algorithms: ALGORITHMS,
    });
    if (!args.audience) process.stderr.write('note: no --audience given, so `aud` was not checked (your backend must check it)\n');
    process.stdout.write(`${JSON.stringify(payload, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`not verified: ${err.code ? `${err.code}: ` : ''}${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
