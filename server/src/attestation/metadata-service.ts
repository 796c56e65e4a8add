/**
 * The FIDO MDS3 BLOB keygate believes (trust-types.ts `MetadataService`): read from MDS_FILE
 * or fetched from MDS_URL, verified by `verifyMetadataBlob` (mds-blob.ts), shared through the
 * store (`MetadataStore`: one document, replaced only by a higher `no`), so every instance
 * uses the same BLOB and a restart works offline from the cached one.
 *
 * Each instance keeps the entries of the BLOB it adopted last in memory (`entry()` is
 * synchronous) and adopts the store's BLOB whenever its `no` is above the one in use. Timers
 * (unref'd, cleared by `stop()`):
 *  - at the in-use BLOB's nextUpdate (UTC midnight of that date): a refresh;
 *  - every `pollSeconds`: re-read the store (adopting a BLOB another instance stored), then
 *    refresh when no BLOB is in use, the in-use BLOB's nextUpdate has passed, or this
 *    instance's last refresh failed (for a reason other than "not above the cached no": that
 *    BLOB is in use already, fetching it again before nextUpdate would change nothing).
 * Concurrent `refresh()` calls share one attempt. onChange listeners run after every
 * adoption, including the load from the store at start.
 */
import { X509Certificate } from 'node:crypto';
import { readFile as readFileAsync } from 'node:fs/promises';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { MetadataCache, MetadataEntry, MetadataRefresh, MetadataStore } from '../storage/ports.js';
import { MAX_BLOB_CHARS, fetchBytes, fetchCrlOverHttp, verifyMetadataBlob } from './mds-blob.js';
import type { MetadataService, MetadataServiceStatus } from './trust-types.js';

/** How long fetching the BLOB from MDS_URL may take. */
export const BLOB_FETCH_TIMEOUT_MS = 30_000;
/** setTimeout's largest delay. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export type MetadataSource = { kind: 'url'; url: string } | { kind: 'file'; path: string };

export interface MetadataServiceOptions {
  /** Where BLOBs come from; absent: not configured (no BLOB, `entry()` always undefined). */
  source?: MetadataSource;
  /** MDS_ROOT_CERT; required with a source (a refresh without it fails). */
  root?: X509Certificate;
  /** MDS_CRL_FILES as DER CRLs. */
  crlFiles?: Uint8Array[];
  store: MetadataStore;
  clock: Clock;
  logger: Logger;
  pollSeconds: number;
  /** For the BLOB URL and CRL distribution points (default: global fetch). */
  fetch?: typeof fetch;
  /** For MDS_FILE (default: fs readFile, utf-8). */
  readFile?: (path: string) => Promise<string>;
}

/** The parts of the service options that come from configuration. */
export type MetadataConfigOptions = Pick<MetadataServiceOptions, 'source' | 'root' | 'crlFiles' | 'pollSeconds'>;
export { loadMetadataConfig } from './metadata-config.js';

export function createMetadataService(opts: MetadataServiceOptions): MetadataService {
  const { source, store, clock, logger } = opts;
  const log = logger.child({ component: 'mds' });
  const fetchImpl = opts.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  const readFile = opts.readFile ?? ((path: string) => readFileAsync(path, 'utf8'));
  const label = source === undefined ? undefined : source.kind === 'file' ? source.path : redactUrl(source.url);

  let current: MetadataCache | undefined;
  let entries = new Map<string, MetadataEntry>();
  const listeners: ((cache: MetadataCache) => Promise<void> | void)[] = [];
  let lastOwnRefresh: MetadataRefresh | undefined;
  /** Whether the poll should retry: the last own refresh failed other than by "not above the cached no". */
  let retryPending = false;
  let inFlight: Promise<MetadataRefresh> | undefined;
  let started = false;
  let nextUpdateTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;

  /**
   * Adopts the store's BLOB when its `no` is above the one in use, then awaits the listeners
   * (a listener's error is logged, never thrown). `justStored`: the BLOB this instance just
   * stored, adopted instead when the store cannot be read back.
   */
  async function adoptFromStore(justStored?: MetadataCache): Promise<boolean> {
    let cached: MetadataCache | undefined;
    try {
      cached = await store.get();
    } catch (err) {
      log.warn({ err: message(err) }, 'MDS: reading the cached BLOB from the store failed');
      if (justStored === undefined) return false;
      cached = justStored;
    }
    if (cached === undefined || (current !== undefined && cached.no <= current.no)) return false;
    current = cached;
    entries = new Map(cached.entries.map((e) => [e.aaguid.toLowerCase(), e]));
    log.info({ no: cached.no, nextUpdate: cached.nextUpdate, entries: entries.size, source: cached.source }, 'MDS: BLOB adopted');
    for (const listener of listeners) {
      try {
        await listener(cached);
      } catch (err) {
        log.error({ err: message(err) }, 'MDS: an onChange listener failed');
      }
    }
    scheduleNextUpdate();
    return true;
  }

  async function readSource(src: MetadataSource): Promise<string> {
    if (src.kind === 'file') {
      try {
        return await readFile(src.path);
      } catch (err) {
        throw new Error(`reading ${src.path} failed: ${message(err)}`);
      }
    }
    try {
      const bytes = await fetchBytes(src.url, fetchImpl, BLOB_FETCH_TIMEOUT_MS, MAX_BLOB_CHARS);
      return new TextDecoder().decode(bytes);
    } catch (err) {
      throw new Error(`fetching ${label} failed: ${message(err)}`);
    }
  }

  async function refreshOnce(): Promise<MetadataRefresh> {
    const at = clock.now();
    const outcome: MetadataRefresh = { at };
    let justStored: MetadataCache | undefined;
    let notAbove = false;
    if (source === undefined) {
      outcome.error = 'not configured (neither MDS_URL nor MDS_FILE is set)';
      return outcome;
    }
    try {
      if (opts.root === undefined) throw new Error('MDS_ROOT_CERT is not set');
      const jwt = await readSource(source);
      const blob = await verifyMetadataBlob(jwt, {
        root: opts.root,
        now: at,
        crls: opts.crlFiles,
        fetchCrl: (url) => fetchCrlOverHttp(url, fetchImpl),
      });
      outcome.no = blob.no;
      const cache: MetadataCache = { ...blob, source: label!, storedAt: at };
      if (await store.putIfNewer(cache)) {
        justStored = cache;
        log.info({ no: blob.no, nextUpdate: blob.nextUpdate, entries: blob.entries.length }, 'MDS: new BLOB verified and stored');
      } else {
        const cached = await store.get().catch(() => undefined);
        outcome.error = `BLOB no ${blob.no} is not above the cached no ${cached?.no ?? current?.no ?? '?'}: ignored`;
        notAbove = true;
      }
    } catch (err) {
      outcome.error = message(err);
    }
    retryPending = outcome.error !== undefined && !notAbove;
    if (outcome.error !== undefined) log.warn({ no: outcome.no, error: outcome.error }, 'MDS: refresh did not store a BLOB');
    await adoptFromStore(justStored);
    lastOwnRefresh = outcome;
    try {
      await store.recordRefresh(outcome);
    } catch (err) {
      log.warn({ err: message(err) }, 'MDS: recording the refresh outcome failed');
    }
    return outcome;
  }

  function refresh(): Promise<MetadataRefresh> {
    if (inFlight === undefined) {
      inFlight = refreshOnce()
        .catch((err: unknown): MetadataRefresh => ({ at: clock.now(), error: `unexpected: ${message(err)}` }))
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight;
  }

  /** The refresh at the in-use BLOB's nextUpdate, when that is still ahead (the poll covers a past one). */
  function scheduleNextUpdate(): void {
    if (!started) return;
    if (nextUpdateTimer !== undefined) clearTimeout(nextUpdateTimer);
    nextUpdateTimer = undefined;
    if (current === undefined) return;
    const due = Date.parse(`${current.nextUpdate}T00:00:00Z`);
    const delay = due - clock.now().getTime();
    if (!(delay > 0)) return;
    nextUpdateTimer = setTimeout(() => {
      nextUpdateTimer = undefined;
      // A delay clamped to setTimeout's maximum fires early: wait on.
      if (clock.now().getTime() < due) scheduleNextUpdate();
      else void refresh();
    }, Math.min(delay, MAX_DELAY_MS));
    nextUpdateTimer.unref();
  }

  function schedulePoll(): void {
    if (!started || pollTimer !== undefined) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      void poll().finally(schedulePoll);
    }, Math.min(Math.max(opts.pollSeconds, 1) * 1000, MAX_DELAY_MS));
    pollTimer.unref();
  }

  async function poll(): Promise<void> {
    try {
      await adoptFromStore();
      const stale = current === undefined || Date.parse(`${current.nextUpdate}T00:00:00Z`) <= clock.now().getTime();
      if (stale || retryPending) await refresh();
    } catch (err) {
      log.error({ err: message(err) }, 'MDS: poll failed');
    }
  }

  return {
    entry(aaguid) {
      return entries.get(aaguid.toLowerCase());
    },

    async start() {
      if (source === undefined || started) return;
      started = true;
      await adoptFromStore();
      await refresh();
      scheduleNextUpdate();
      schedulePoll();
    },

    stop() {
      started = false;
      if (nextUpdateTimer !== undefined) clearTimeout(nextUpdateTimer);
      if (pollTimer !== undefined) clearTimeout(pollTimer);
      nextUpdateTimer = undefined;
      pollTimer = undefined;
    },

    refresh,

    onChange(listener) {
      listeners.push(listener);
    },

    async status(): Promise<MetadataServiceStatus> {
      if (source === undefined) return { configured: false, entries: 0 };
      let lastRefresh = lastOwnRefresh;
      try {
        lastRefresh = (await store.lastRefresh()) ?? lastOwnRefresh;
      } catch {
        // the store is down: this instance's own last attempt
      }
      return {
        configured: true,
        source: label,
        ...(current !== undefined ? { no: current.no, nextUpdate: current.nextUpdate, storedAt: current.storedAt } : {}),
        entries: entries.size,
        ...(lastRefresh !== undefined ? { lastRefresh } : {}),
      };
    },
  };
}

/** A URL as shown in status and stored as the BLOB's source: no credentials, query or fragment. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
