import { isIPv6 } from 'node:net';

/**
 * The key a client's requests are counted under: its IPv4 address, or the /64 prefix of
 * its IPv6 address (one subscriber usually holds a whole /64, so per-address keys would
 * give them 2^64 separate budgets). IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4.
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
