/**
 * One token from POST /token on the account page: the raw JWT (a read-only field, so it
 * can be selected, plus "Copy token"), what it says, decoded here for display only (header
 * alg, kid, typ; claims iss, sub, aud, iat/nbf/exp and auth_time as dates, jti, amr, acr,
 * txn, and any others), and where it is verified: this origin's JWKS and discovery
 * document (links, new tab). Nothing here checks the signature, and the view says so.
 */
import { fact, h } from '../dom.js';
import { amrLabel, instant, waitLabel } from '../format.js';
import { decodeJwt, type DecodedJwt } from '../jwt.js';
import { announce } from '../status.js';

export interface TokenView {
  element: HTMLElement;
  /** Moves focus to the view's heading (after the token arrived). */
  focus(): void;
}

const TIMES = new Set(['iat', 'nbf', 'exp', 'auth_time']);
const CLAIMS: [name: string, label: string][] = [
  ['iss', 'Issuer (iss)'],
  ['sub', 'Subject (sub)'],
  ['aud', 'Audience (aud)'],
  ['iat', 'Issued at (iat)'],
  ['nbf', 'Not before (nbf)'],
  ['exp', 'Expires (exp)'],
  ['jti', 'Token id (jti)'],
  ['auth_time', 'Signed in at (auth_time)'],
  ['amr', 'Proved (amr)'],
  ['acr', 'Assurance level (acr)'],
  ['txn', 'Transaction id (txn)'],
];

const code = (v: unknown) => h('code', {}, typeof v === 'string' ? v : Array.isArray(v) && v.every((x) => typeof x === 'string') ? v.join(' ') : JSON.stringify(v));

/** A claim's value: dates for NumericDates, words for amr, the raw value always (in <code>). */
function claimValue(name: string, v: unknown): (HTMLElement | string)[] {
  if (TIMES.has(name) && typeof v === 'number') return [code(v), ` (${instant(v)})`];
  if (name === 'amr' && Array.isArray(v)) return [code(v), ` (${amrLabel(v.map(String))})`];
  return [code(v)];
}

export function tokenView(o: { audience: string; token: string; expiresIn: number }): TokenView {
  let decoded: DecodedJwt | undefined;
  let problem: string | undefined;
  try {
    decoded = decodeJwt(o.token);
  } catch (err) {
    problem = (err as Error).message;
  }
  const jwks = `${location.origin}/.well-known/jwks.json`;
  const discovery = `${location.origin}/.well-known/openid-configuration`;
  const exp = decoded && typeof decoded.claims.exp === 'number' ? decoded.claims.exp : Math.floor(Date.now() / 1000) + o.expiresIn;
  const title = h('h3', { id: 'token-view-title', tabindex: '-1', class: 'focus-target' }, `Token for ${o.audience}`);
  const field = h('textarea', { id: 'token-jwt', class: 'jwt', rows: '5', readonly: true, spellcheck: 'false', autocapitalize: 'none', 'aria-describedby': 'token-jwt-hint', 'data-testid': 'token-jwt' }, o.token);
  const link = (href: string, testid: string) => [h('a', { href, target: '_blank', rel: 'noopener', 'data-testid': testid }, href), h('span', { class: 'hint' }, ' (opens in a new tab)')];

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(o.token);
      announce('Copied the token.', 'success');
    } catch {
      field.focus();
      field.select();
      announce('Your browser did not allow copying. The token is selected: copy it with Ctrl+C (⌘C on a Mac).', 'error');
    }
  };

  const rest = decoded ? Object.keys(decoded.claims).filter((k) => !CLAIMS.some(([n]) => n === k)) : [];
  const element = h('div', { class: 'token-view', 'aria-labelledby': 'token-view-title', role: 'group', 'data-testid': 'token-view' },
    title,
    h('p', { 'data-testid': 'token-expiry' }, `Valid for ${waitLabel(o.expiresIn)}, until ${instant(exp)}. Send it to ${o.audience} as a bearer token.`),
    h('div', { class: 'field' },
      h('label', { for: 'token-jwt' }, 'Token (JWT)'),
      h('p', { class: 'hint', id: 'token-jwt-hint' }, 'Three base64url parts: header, claims, signature.'),
      field,
    ),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => void copy(), 'data-testid': 'token-copy' }, 'Copy token')),
    h('p', { class: 'warning', 'data-testid': 'token-decoded-note' },
      h('strong', {}, 'Decoded here for display; verify it with the JWKS. '),
      'Anyone can read a JWT: only its signature, checked against keygate\'s published keys, shows that keygate issued it.',
    ),
    problem && h('p', { class: 'inline-error', 'data-testid': 'token-decode-error' }, `This token could not be decoded here: ${problem}.`),
    decoded && [
      h('h4', {}, 'Header'),
      h('dl', { class: 'facts', 'data-testid': 'token-header' },
        fact('Algorithm (alg)', decoded.header.alg === undefined ? undefined : code(decoded.header.alg), 'token-header-alg'),
        fact('Key id (kid)', decoded.header.kid === undefined ? undefined : code(decoded.header.kid), 'token-header-kid'),
        fact('Type (typ)', decoded.header.typ === undefined ? undefined : code(decoded.header.typ), 'token-header-typ'),
      ),
      h('h4', {}, 'Claims'),
      h('dl', { class: 'facts', 'data-testid': 'token-claims' },
        CLAIMS.flatMap(([name, label]) => {
          const v = decoded!.claims[name];
          if (v === undefined) return name === 'txn' ? fact(label, 'not set', `token-claim-${name}`) : [];
          return fact(label, claimValue(name, v), `token-claim-${name}`);
        }),
        rest.flatMap((name) => fact(name, code(decoded!.claims[name]), `token-claim-${name}`)),
      ),
    ],
    h('h4', {}, 'Verify it'),
    h('dl', { class: 'facts' },
      fact('JWKS (signing keys)', link(jwks, 'token-jwks'), 'token-jwks-url'),
      fact('Discovery', link(discovery, 'token-discovery'), 'token-discovery-url'),
    ),
    h('p', { class: 'hint' }, `Check the signature with a key from the JWKS (by kid), then iss, aud (${o.audience}), exp and nbf; never accept alg "none" or HS256.`),
  );
  return { element, focus: () => title.focus() };
}
