import { MongoServerError, type Db } from 'mongodb';
import type { LinkStore, MetadataCache, MetadataRefresh, MetadataStore, OneTimeLink } from '../ports.js';
import { DUPLICATE_KEY, guard } from './mongo-errors.js';
import { fromDoc, stripNulls } from './mongo-docs.js';

type CacheDoc = MetadataCache & { _id: 'blob' };
type RefreshDoc = MetadataRefresh & { _id: 'refresh' };
type LinkDoc = Omit<OneTimeLink, 'id'> & { _id: string };


/**
 * The MongoDB store's MDS3 cache and one-time links:
 * - `metadata` holds ONE document `_id: "blob"`, replaced by an upsert filtered on `no < new no`:
 *   when the stored BLOB is as new or newer the filter misses, the upsert's insert collides
 *   on `_id` (11000) and nothing is written; `_id: "refresh"` keeps the last refresh outcome;
 * - `one_time_links` by `_id` = the link's keyed hash, taken with findOneAndDelete (TTL on expiresAt).
 */
export function mongoTrust(db: Db): { metadata: MetadataStore; links: LinkStore } {
  const metadata = db.collection<CacheDoc | RefreshDoc>('metadata');
  const links = db.collection<LinkDoc>('one_time_links');
  const linkFromDoc = (doc: LinkDoc | null): OneTimeLink | undefined => fromDoc<OneTimeLink>(doc);
  return {
    metadata: {
      get: async () => {
        const doc = (await guard(() => metadata.findOne({ _id: 'blob' }))) as CacheDoc | null;
        if (!doc) return undefined;
        const { _id, ...cache } = doc;
        return { ...cache, entries: cache.entries.map((e) => stripNulls(e)) };
      },
      putIfNewer: async (cache) => {
        try {
          await guard(() => metadata.updateOne({ _id: 'blob', no: { $lt: cache.no } } as never, { $set: { ...cache } }, { upsert: true }));
          return true;
        } catch (err) {
          if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
          throw err;
        }
      },
      recordRefresh: async (refresh) => {
        await guard(() => metadata.replaceOne({ _id: 'refresh' }, { ...refresh } as never, { upsert: true }));
      },
      lastRefresh: async () => {
        const doc = (await guard(() => metadata.findOne({ _id: 'refresh' }))) as RefreshDoc | null;
        if (!doc) return undefined;
        const { _id, ...refresh } = doc;
        return stripNulls(refresh);
      },
    },
    links: {
      insert: async ({ id, ...rest }) => {
        await guard(() => links.insertOne({ _id: id, ...rest }));
      },
      get: async (id, now) => linkFromDoc(await guard(() => links.findOne({ _id: id, expiresAt: { $gt: now } }))),
      // Taken even when expired (as ceremonies are): an expired link never comes back.
      take: async (id, now) => {
        const link = linkFromDoc(await guard(() => links.findOneAndDelete({ _id: id })));
        return link && link.expiresAt.getTime() > now.getTime() ? link : undefined;
      },
      deleteByUser: async (userId) => (await guard(() => links.deleteMany({ userId }))).deletedCount,
    },
  };
}
