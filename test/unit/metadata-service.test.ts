/**
 * createMetadataService: the MDS3 BLOB from a file or a URL, shared through the store (higher
 * `no` only), adopted by every instance, refreshed on timers; loadMetadataConfig.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetadataService, loadMetadataConfig } from '../../server/src/attestation/metadata-service.js';
import type { MetadataService } from '../../server/src/attestation/trust-types.js';
import { systemClock } from '../../server/src/lib/clock.js';
import { silentLogger } from '../../server/src/lib/logger.js';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import type { MetadataCache, MetadataRefresh, MetadataStore } from '../../server/src/storage/ports.js';
import { TEST_MDS_AAGUIDS, createTestMds, isoDay, testEntries, type TestMds } from '../helpers/test-mds.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// (structuredClone would make Dates of another realm than jest's.)
function cloneCache(c: MetadataCache): MetadataCache {
  return { ...c, storedAt: new Date(c.storedAt), entries: JSON.parse(JSON.stringify(c.entries)) as MetadataCache['entries'] };
}

/** A MetadataStore as the contract in ports.ts says (one document, replaced only by a higher `no`). */
function fakeStore(): MetadataStore & { failing: boolean; puts: number } {
  let cache: MetadataCache | undefined;
  let refresh: MetadataRefresh | undefined;
  const s = {
    failing: false,
    puts: 0,
    async get() {
      if (s.failing) throw new Error('store down');
      return cache === undefined ? undefined : cloneCache(cache);
    },
    async putIfNewer(c: MetadataCache) {
      if (s.failing) throw new Error('store down');
      if (cache !== undefined && cache.no >= c.no) return false;
      cache = cloneCache(c);
      s.puts++;
      return true;
    },
    async recordRefresh(r: MetadataRefresh) {
      if (s.failing) throw new Error('store down');
      refresh = { ...r, at: new Date(r.at) };
    },
    async lastRefresh() {
      if (s.failing) throw new Error('store down');
      return refresh === undefined ? undefined : { ...refresh, at: new Date(refresh.at) };
    },
  };
  return s;
}

let mds: TestMds;
const blobs = new Map<number, string>();
const services: MetadataService[] = [];

beforeAll(async () => {
  mds = await createTestMds();
  for (const no of [4, 5, 6, 7]) blobs.set(no, await mds.blob({ no, entries: testEntries([]) }));
});
afterEach(() => {
  for (const s of services.splice(0)) s.stop();
});
afterAll(async () => {
  await mds.close();
});

/** A source whose BLOB the test sets (`current = n`, or `null` for a read failure), counting reads. */
function fileSource() {
  const src = {
    current: null as number | null,
    reads: 0,
    readFile: async (path: string) => {
      src.reads++;
      if (src.current === null) throw new Error(`ENOENT: no such file, open '${path}'`);
      return blobs.get(src.current)!;
    },
  };
  return src;
}

function service(store: MetadataStore, src: ReturnType<typeof fileSource>, extra: Partial<Parameters<typeof createMetadataService>[0]> = {}) {
  const s = createMetadataService({
    source: { kind: 'file', path: '/etc/keygate/mds.jwt' },
    root: mds.rootCert,
    store,
    clock: systemClock,
    logger: silentLogger,
    pollSeconds: 3600,
    readFile: src.readFile,
    ...extra,
  });
  services.push(s);
  return s;
}

describe('createMetadataService', () => {
  it('stores the first BLOB at start and serves its entries', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 5;
    const svc = service(store, src);
    const changes: number[] = [];
    svc.onChange((c) => void changes.push(c.no));
    expect(svc.entry(TEST_MDS_AAGUIDS.allowed)).toBeUndefined();
    await svc.start();
    expect((await store.get())?.no).toBe(5);
    expect((await store.get())?.source).toBe('/etc/keygate/mds.jwt');
    expect(svc.entry(TEST_MDS_AAGUIDS.allowed)?.description).toBe('Keygate Allowed Key');
    expect(svc.entry(TEST_MDS_AAGUIDS.allowed.toUpperCase())?.aaguid).toBe(TEST_MDS_AAGUIDS.allowed);
    expect(svc.entry(TEST_MDS_AAGUIDS.revoked)?.statusReports.at(-1)?.status).toBe('REVOKED');
    expect(svc.entry(TEST_MDS_AAGUIDS.unlisted)).toBeUndefined();
    expect(changes).toEqual([5]);
    const status = await svc.status();
    expect(status).toMatchObject({ configured: true, source: '/etc/keygate/mds.jwt', no: 5, entries: 2 });
    expect(status.nextUpdate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(status.storedAt).toBeInstanceOf(Date);
    expect(status.lastRefresh).toEqual({ at: expect.any(Date), no: 5 });
  });

  it('ignores a BLOB whose `no` is not above the cached one, visibly', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 5;
    const svc = service(store, src);
    let changes = 0;
    svc.onChange(() => void changes++);
    await svc.start();
    const same = await svc.refresh();
    expect(same).toEqual({ at: expect.any(Date), no: 5, error: 'BLOB no 5 is not above the cached no 5: ignored' });
    src.current = 4;
    const lower = await svc.refresh();
    expect(lower.error).toBe('BLOB no 4 is not above the cached no 5: ignored');
    expect((await svc.status()).lastRefresh?.error).toBe('BLOB no 4 is not above the cached no 5: ignored');
    expect((await svc.status()).no).toBe(5);
    expect(changes).toBe(1);
    expect(store.puts).toBe(1);
  });

  it('keeps the cached BLOB when a BLOB fails verification', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 5;
    const svc = service(store, src);
    await svc.start();
    const other = await createTestMds();
    try {
      blobs.set(99, await other.blob({ no: 99 }));
      src.current = 99;
      const r = await svc.refresh();
      expect(r.error).toMatch(/chain does not reach MDS_ROOT_CERT/);
      expect(r.no).toBeUndefined();
      expect((await svc.status()).no).toBe(5);
      expect(svc.entry(TEST_MDS_AAGUIDS.allowed)).toBeDefined();
      blobs.set(98, 'garbage');
      src.current = 98;
      expect((await svc.refresh()).error).toMatch(/^not a JWS compact serialization/);
    } finally {
      await other.close();
    }
  });

  it('two instances on one store agree; the second adopts the first\'s BLOB even when its own source fails', async () => {
    const store = fakeStore();
    const srcA = fileSource();
    const srcB = fileSource(); // always fails
    const a = service(store, srcA);
    const b = service(store, srcB);
    const bChanges: number[] = [];
    b.onChange((c) => void bChanges.push(c.no));

    await b.start(); // nothing anywhere yet
    expect((await b.status()).entries).toBe(0);
    expect((await b.status()).lastRefresh?.error).toMatch(/^reading \/etc\/keygate\/mds\.jwt failed: ENOENT/);

    srcA.current = 6;
    await a.start();
    expect((await a.status()).no).toBe(6);

    const r = await b.refresh();
    expect(r.error).toMatch(/ENOENT/);
    expect((await b.status()).no).toBe(6);
    expect(b.entry(TEST_MDS_AAGUIDS.allowed)).toEqual(a.entry(TEST_MDS_AAGUIDS.allowed));

    srcA.current = 7;
    await a.refresh();
    await b.refresh();
    expect((await b.status()).no).toBe(7);
    expect(bChanges).toEqual([6, 7]);
    // Both report the store's (any instance's) last refresh.
    expect((await a.status()).lastRefresh).toEqual((await b.status()).lastRefresh);
  });

  it('works the same on the memory store (two instances, one store)', async () => {
    const store = createMemoryStore();
    const srcA = fileSource();
    const srcB = fileSource();
    srcA.current = 6;
    const a = service(store.metadata, srcA);
    const b = service(store.metadata, srcB);
    await a.start();
    await b.start();
    expect((await b.status()).no).toBe(6);
    srcA.current = 7;
    await a.refresh();
    await b.refresh();
    expect((await b.status()).no).toBe(7);
    expect(b.entry(TEST_MDS_AAGUIDS.revoked)?.description).toBe('Keygate Revoked Key');
    await store.close();
  });

  it('racing instances with the same BLOB: one stores it, both use it', async () => {
    const store = fakeStore();
    const srcA = fileSource();
    const srcB = fileSource();
    srcA.current = srcB.current = 6;
    const a = service(store, srcA);
    const b = service(store, srcB);
    const [ra, rb] = await Promise.all([a.refresh(), b.refresh()]);
    expect(store.puts).toBe(1);
    expect([ra.error, rb.error].filter(Boolean)).toEqual(['BLOB no 6 is not above the cached no 6: ignored']);
    expect((await a.status()).no).toBe(6);
    expect((await b.status()).no).toBe(6);
  });

  it('a restart with a failing source uses the cached BLOB', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 6;
    await service(store, src).start();
    src.current = null;
    const restarted = service(store, src);
    const changes: number[] = [];
    restarted.onChange((c) => void changes.push(c.no));
    await restarted.start();
    expect(restarted.entry(TEST_MDS_AAGUIDS.allowed)).toBeDefined();
    const status = await restarted.status();
    expect(status.no).toBe(6);
    expect(status.lastRefresh?.error).toMatch(/ENOENT/);
    expect(changes).toEqual([6]);
  });

  it('onChange fires once per adopted BLOB; a failing listener is logged, not thrown', async () => {
    const store = fakeStore();
    const src = fileSource();
    const seen: number[] = [];
    const svc = service(store, src);
    svc.onChange(() => {
      throw new Error('listener broke');
    });
    svc.onChange(async (c) => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push(c.no);
    });
    src.current = 5;
    await svc.start();
    await svc.refresh();
    src.current = 6;
    await svc.refresh();
    await svc.refresh();
    src.current = 4;
    await svc.refresh();
    expect(seen).toEqual([5, 6]);
  });

  it('concurrent refresh() calls share one attempt; the store being down is recorded, never thrown', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 5;
    const svc = service(store, src);
    const [r1, r2] = await Promise.all([svc.refresh(), svc.refresh()]);
    expect(r1).toBe(r2);
    expect(src.reads).toBe(1);
    store.failing = true;
    src.current = 6;
    const r = await svc.refresh();
    expect(r.error).toBe('store down');
    expect((await svc.status()).no).toBe(5);
    expect((await svc.status()).lastRefresh?.error).toBe('store down');
  });

  it('refreshes from a URL served over loopback http (CRLs fetched there too)', async () => {
    const store = fakeStore();
    mds.serveBlob(blobs.get(5)!);
    const before = mds.requests('blob');
    const svc = createMetadataService({
      source: { kind: 'url', url: `${mds.blobUrl}?token=secret` },
      root: mds.rootCert,
      store,
      clock: systemClock,
      logger: silentLogger,
      pollSeconds: 3600,
    });
    services.push(svc);
    await svc.start();
    expect(mds.requests('blob')).toBe(before + 1);
    const status = await svc.status();
    expect(status).toMatchObject({ configured: true, source: mds.blobUrl, no: 5, entries: 2 });
    expect((await store.get())?.source).toBe(mds.blobUrl); // the query (a token) is not stored
    mds.serveBlob(null);
    expect((await svc.refresh()).error).toBe(`fetching ${mds.blobUrl} failed: HTTP 404`);
    expect((await svc.status()).no).toBe(5);
  });

  it('uses offline CRL files and the injected fetch', async () => {
    const store = fakeStore();
    const src = fileSource();
    src.current = 5;
    const fetched: string[] = [];
    const svc = service(store, src, {
      crlFiles: mds.servedCrls(),
      fetch: (async (url: string | URL | Request) => {
        fetched.push(String(url));
        throw new Error('offline');
      }) as typeof fetch,
    });
    expect((await svc.refresh()).error).toBeUndefined();
    expect(fetched).toEqual([]);
    const online = service(fakeStore(), src, {
      fetch: (async (url: string | URL | Request) => {
        fetched.push(String(url));
        throw new Error('offline');
      }) as typeof fetch,
    });
    expect((await online.refresh()).error).toMatch(/^CRL unavailable: .*offline/);
    expect(fetched.length).toBeGreaterThan(0);
  });

  it('not configured: no BLOB, nothing read', async () => {
    const store = fakeStore();
    const svc = createMetadataService({ store, clock: systemClock, logger: silentLogger, pollSeconds: 60 });
    services.push(svc);
    await svc.start();
    expect(await svc.status()).toEqual({ configured: false, entries: 0 });
    expect(svc.entry(TEST_MDS_AAGUIDS.allowed)).toBeUndefined();
    expect((await svc.refresh()).error).toMatch(/not configured/);
    expect(await store.get()).toBeUndefined();
  });

  it('without MDS_ROOT_CERT a refresh fails visibly', async () => {
    const src = fileSource();
    src.current = 5;
    const svc = service(fakeStore(), src, { root: undefined });
    expect((await svc.refresh()).error).toBe('MDS_ROOT_CERT is not set');
  });

  it('polls the store every pollSeconds (adopting another instance\'s BLOB, retrying a failed refresh); stop() ends it', async () => {
    const store = fakeStore();
    const srcA = fileSource();
    const srcB = fileSource(); // fails: the poll retries it
    const b = service(store, srcB, { pollSeconds: 1 });
    await b.start();
    expect(srcB.reads).toBe(1);
    srcA.current = 6;
    await service(store, srcA).refresh();
    await waitFor(async () => (await b.status()).no === 6, 3000);
    expect(srcB.reads).toBeGreaterThanOrEqual(2);
    b.stop();
    const reads = srcB.reads;
    await new Promise((r) => setTimeout(r, 1300));
    expect(srcB.reads).toBe(reads);
  });

  it('the poll does not re-read the source while the BLOB in use is current (even after a "not above" refresh)', async () => {
    const src = fileSource();
    src.current = 5;
    const svc = service(fakeStore(), src, { pollSeconds: 1 });
    await svc.start();
    expect((await svc.refresh()).error).toMatch(/not above/);
    expect(src.reads).toBe(2);
    await new Promise((r) => setTimeout(r, 1300));
    expect(src.reads).toBe(2);
  });

  it('refreshes at the BLOB\'s nextUpdate (UTC midnight)', async () => {
    const nextUpdate = isoDay(new Date(Date.now() + DAY_MS));
    const jwt = await mds.blob({ no: 8, nextUpdate });
    const store = fakeStore();
    let reads = 0;
    // A clock running 300 ms before nextUpdate's midnight.
    const offset = Date.parse(`${nextUpdate}T00:00:00Z`) - 300 - Date.now();
    const clock = { now: () => new Date(Date.now() + offset) };
    const svc = service(store, fileSource(), {
      clock,
      readFile: async () => {
        reads++;
        return jwt;
      },
    });
    await svc.start();
    expect(reads).toBe(1);
    await waitFor(async () => reads === 2, 2000);
    svc.stop();
  });
});

describe('loadMetadataConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keygate-mds-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base = { mdsUrl: undefined, mdsFile: undefined, mdsRootCert: undefined, mdsCrlFiles: [] as string[], mdsPollSeconds: 3600 };

  it('reads the root and CRL files (DER and PEM)', () => {
    const root = join(dir, 'root.pem');
    writeFileSync(root, mds.rootPem);
    const [rootCrl, intCrl] = mds.servedCrls();
    const der = join(dir, 'root.crl');
    writeFileSync(der, rootCrl);
    const pem = join(dir, 'int.crl.pem');
    writeFileSync(pem, `-----BEGIN X509 CRL-----\n${Buffer.from(intCrl).toString('base64')}\n-----END X509 CRL-----\n`);
    const opts = loadMetadataConfig({ ...base, mdsUrl: 'https://mds3.fidoalliance.org/', mdsRootCert: root, mdsCrlFiles: [der, pem] });
    expect(opts.source).toEqual({ kind: 'url', url: 'https://mds3.fidoalliance.org/' });
    expect(opts.root?.fingerprint256).toBe(mds.rootCert.fingerprint256);
    expect(opts.crlFiles?.map((c) => Buffer.from(c).toString('hex'))).toEqual([Buffer.from(rootCrl).toString('hex'), Buffer.from(intCrl).toString('hex')]);
    expect(opts.pollSeconds).toBe(3600);
    expect(loadMetadataConfig(base)).toEqual({ crlFiles: [], pollSeconds: 3600 });
  });

  it('refuses bad combinations and bad files, naming the key', () => {
    const root = join(dir, 'root2.pem');
    writeFileSync(root, mds.rootPem);
    const blob = join(dir, 'blob.jwt');
    writeFileSync(blob, 'x');
    expect(() => loadMetadataConfig({ ...base, mdsUrl: 'https://x.test/', mdsFile: blob, mdsRootCert: root })).toThrow(/MDS_URL and MDS_FILE/);
    expect(() => loadMetadataConfig({ ...base, mdsUrl: 'https://x.test/' })).toThrow(/^MDS_ROOT_CERT must be set with MDS_URL/);
    expect(() => loadMetadataConfig({ ...base, mdsFile: blob })).toThrow(/^MDS_ROOT_CERT must be set with MDS_FILE/);
    expect(() => loadMetadataConfig({ ...base, mdsFile: join(dir, 'missing.jwt'), mdsRootCert: root })).toThrow(/^MDS_FILE .*not readable/);
    expect(() => loadMetadataConfig({ ...base, mdsFile: blob, mdsRootCert: join(dir, 'missing.pem') })).toThrow(/^MDS_ROOT_CERT .*cannot be read/);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(() => loadMetadataConfig({ ...base, mdsFile: blob, mdsRootCert: notPem })).toThrow(/^MDS_ROOT_CERT .*exactly one PEM certificate, found 0/);
    const two = join(dir, 'two.pem');
    writeFileSync(two, mds.rootPem + '\n' + mds.rootPem);
    expect(() => loadMetadataConfig({ ...base, mdsFile: blob, mdsRootCert: two })).toThrow(/found 2/);
    const badCrl = join(dir, 'bad.crl');
    writeFileSync(badCrl, 'not a crl');
    let err: unknown;
    try {
      loadMetadataConfig({ ...base, mdsFile: blob, mdsRootCert: root, mdsCrlFiles: [badCrl] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/^MDS_CRL_FILES .*bad\.crl.*not a DER or PEM CRL/);
  });

  it('refuses a root that is not a CA', async () => {
    const leafPem = join(dir, 'leaf.pem');
    const { X509Certificate } = await import('node:crypto');
    writeFileSync(leafPem, new X509Certificate(Buffer.from(mds.signer.certDer)).toString());
    expect(() => loadMetadataConfig({ ...base, mdsFile: leafPem, mdsRootCert: leafPem })).toThrow(/^MDS_ROOT_CERT .*not a CA/);
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
