import { parse } from 'tldts';
import type { Config } from './config-schema.js';

/**
 * WebAuthn Level 3 §5.11.1 "Validating Related Origins": a browser reads the origins of
 * `/.well-known/webauthn` in order and honours at most this many distinct registrable origin
 * labels; an origin with a further label is skipped.
 */
export const MAX_RELATED_ORIGIN_LABELS = 5;

/**
 * The registrable origin label of a host (§5.11.1): the first label of its registrable
 * domain (eTLD+1) by the Public Suffix List, private section included as browsers use it
 * (`example` for admin.example.co.uk, `alice` for alice.github.io); undefined for a host that
 * has none (localhost, an IP address, a bare public suffix).
 */
function registrableOriginLabel(host: string): string | undefined {
  const p = parse(host, { allowPrivateDomains: true });
  if (p.isIp || !p.domain) return undefined;
  return p.domain.split('.')[0] || undefined;
}

type RelatedOriginsConfig = Pick<Config, 'nodeEnv' | 'rpId' | 'relatedOrigins'>;

/**
 * What is wrong with RELATED_ORIGINS (the syntax of each origin is the schema's): the one line
 * start-up must refuse, naming the key, or undefined. Each origin must be https (http only
 * for localhost, outside production), outside RP_ID's domain (an origin on RP_ID or a
 * subdomain belongs in RP_ORIGINS: browsers accept it without the document), have a
 * registrable domain (browsers skip an origin without one), and together they may carry at
 * most MAX_RELATED_ORIGIN_LABELS distinct labels.
 */
export function relatedOriginsProblem(c: RelatedOriginsConfig): string | undefined {
  const labels = new Set<string>();
  for (const o of c.relatedOrigins) {
    const url = new URL(o);
    const host = url.hostname;
    if (url.protocol !== 'https:' && !(host === 'localhost' && c.nodeEnv !== 'production')) {
      return `RELATED_ORIGINS origin ${o} must use https${c.nodeEnv === 'production' ? ' in production' : ' (http only for localhost, outside production)'}`;
    }
    if (host === c.rpId || host.endsWith(`.${c.rpId}`)) {
      return `RELATED_ORIGINS origin ${o} is on RP_ID ${c.rpId} or a subdomain of it: list it in RP_ORIGINS instead`;
    }
    if (host === 'localhost') continue;
    const label = registrableOriginLabel(host);
    if (label === undefined) {
      return `RELATED_ORIGINS origin ${o} has no registrable domain (an IP address or a public suffix): browsers ignore it in /.well-known/webauthn`;
    }
    labels.add(label);
  }
  if (labels.size > MAX_RELATED_ORIGIN_LABELS) {
    return `RELATED_ORIGINS must name at most ${MAX_RELATED_ORIGIN_LABELS} distinct registrable domain labels (WebAuthn §5.11.1; browsers ignore origins past the fifth), got ${labels.size}: ${[...labels].join(', ')}`;
  }
  return undefined;
}
