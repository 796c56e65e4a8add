import { BlockList, isIP } from 'node:net';
import proxyaddr from 'proxy-addr';

/**
 * Where a trusted proxy may sit: loopback, private (RFC 1918), shared (RFC 6598, cloud load
 * balancers), link-local and IPv6 unique-local/link-local ranges. A TRUST_PROXY entry must lie
 * inside one of them (a range no broader than its block), so that no public address, and no
 * catch-all such as `0.0.0.0/1,128.0.0.0/1`, can set X-Forwarded-For.
 */
const PROXY_BLOCKS: readonly [net: string, prefix: number, family: 'ipv4' | 'ipv6'][] = [
  ['127.0.0.0', 8, 'ipv4'], ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], ['169.254.0.0', 16, 'ipv4'],
  ['::1', 128, 'ipv6'], ['fc00::', 7, 'ipv6'], ['fe80::', 10, 'ipv6'],
];

/** Why a TRUST_PROXY list entry is refused, or undefined when it is a private address or range. */
function untrustworthyProxy(entry: string): string | undefined {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return undefined;
  const [addr, bits, ...rest] = entry.split('/');
  const family = isIP(addr ?? '');
  if (rest.length > 0 || family === 0) return `${entry} is not an address, a CIDR range or loopback/linklocal/uniquelocal`;
  const max = family === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `${entry} has an invalid prefix length`;
  const inside = PROXY_BLOCKS.some(([net, p, f]) => {
    if (f !== (family === 4 ? 'ipv4' : 'ipv6') || prefix < p) return false;
    const block = new BlockList();
    block.addSubnet(net, p, f);
    return block.check(addr!, f);
  });
  return inside ? undefined : `${entry} is a public or too broad range (proxies are trusted only on loopback, private, shared, link-local or unique-local addresses)`;
}

/** TRUST_PROXY: `false`, 1-10 hops, or a list of private proxy addresses/ranges (what proxy-addr compiles). */
export function trustProxyProblem(v: string): string | undefined {
  if (v === 'false') return undefined;
  if (/^\d+$/.test(v)) return Number(v) >= 1 && Number(v) <= 10 ? undefined : 'must be a hop count from 1 to 10';
  const entries = v.split(',').map((e) => e.trim());
  for (const e of entries) {
    const why = untrustworthyProxy(e);
    if (why) return `refuses ${why}`;
  }
  try {
    proxyaddr.compile(entries);
    return undefined;
  } catch (err) {
    return `cannot be compiled: ${(err as Error).message}`;
  }
}
