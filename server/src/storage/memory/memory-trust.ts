import { copyRecord } from './copy-record.js';
import type { LinkStore, MetadataCache, MetadataRefresh, MetadataStore, OneTimeLink } from '../ports.js';

/** The memory store's MDS3 cache and one-time links (contracts in ports.ts). */
export function createMemoryTrust(): { metadata: MetadataStore; links: LinkStore } {
  const copy = copyRecord;
  let cache: MetadataCache | undefined;
  let refresh: MetadataRefresh | undefined;
  const links = new Map<string, OneTimeLink>();
  return {
    metadata: {
      async get() {
        return cache && copy(cache);
      },
      async putIfNewer(next) {
        if (cache && cache.no >= next.no) return false;
        cache = copy(next);
        return true;
      },
      async recordRefresh(r) {
        refresh = copy(r);
      },
      async lastRefresh() {
        return refresh && copy(refresh);
      },
    },
    links: {
      async insert(link) {
        links.set(link.id, copy(link));
      },
      async get(id, now) {
        const l = links.get(id);
        return l && l.expiresAt > now ? copy(l) : undefined;
      },
      async take(id, now) {
        const l = links.get(id);
        if (!l) return undefined;
        links.delete(id);
        return l.expiresAt > now ? l : undefined;
      },
      async deleteByUser(userId) {
        let n = 0;
        for (const [id, l] of links) if (l.userId === userId && links.delete(id)) n++;
        return n;
      },
    },
  };
}
