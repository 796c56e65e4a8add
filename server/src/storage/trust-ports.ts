/** Storage ports of attestation trust and administration: the shared MDS3 BLOB, one-time links. The contracts every adapter keeps are listed in ports.ts. */

import type { MetadataCache, MetadataRefresh, OneTimeLink } from './records.js';

/** The FIDO MDS3 BLOB all instances share (attestation/metadata-service.ts keeps it fresh). */
export interface MetadataStore {
  /** The stored BLOB, or `undefined` before any was verified. */
  get(): Promise<MetadataCache | undefined>;
  /**
   * Stores `cache` only if none is stored or the stored one's `no` is lower: atomic (one
   * conditional upsert), so of instances racing with the same BLOB one wins and the others
   * get `false`, and an older BLOB never replaces a newer one.
   */
  putIfNewer(cache: MetadataCache): Promise<boolean>;
  /** Records the latest refresh attempt's outcome (replacing the previous record). */
  recordRefresh(refresh: MetadataRefresh): Promise<void>;
  lastRefresh(): Promise<MetadataRefresh | undefined>;
}

/** One-time links (records.ts OneTimeLink). */
export interface LinkStore {
  insert(link: OneTimeLink): Promise<void>;
  /** The link if it exists and has not expired at `now` (a read: the link stays usable). */
  get(id: string, now: Date): Promise<OneTimeLink | undefined>;
  /** Atomically removes and returns the link if unexpired at `now`; of concurrent callers exactly one gets it. */
  take(id: string, now: Date): Promise<OneTimeLink | undefined>;
  /** Deletes every link of the user (a new one replaces them); returns how many. */
  deleteByUser(userId: string): Promise<number>;
}
