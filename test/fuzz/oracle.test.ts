/**
 * The fuzz oracle has teeth: a refused request that writes state IS reported, both when the
 * write goes through the store's ports (the write log sees it) and when it bypasses them
 * (the state snapshot sees it). The store is sabotaged from
 * the outside (no server code changes): its `ceremonies.take`, which /assertion/result
 * calls before refusing a body without a pending ceremony, also writes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createMemoryStore } from '../../server/src/storage/memory/memory-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { CookieJar } from '../helpers/fuzz-client.js';
import { FuzzViolation, FuzzWorld, jsonBody, ORIGIN } from '../helpers/fuzz-world.js';

describe('the fuzz oracle', () => {
  const inner = createMemoryStore();
  let sabotage: (() => Promise<void>) | undefined;
  const store: Store = {
    ...inner,
    ceremonies: {
      ...inner.ceremonies,
      take: async (...args: Parameters<Store['ceremonies']['take']>) => {
        await sabotage?.();
        return inner.ceremonies.take(...args);
      },
    },
  };
  let world: FuzzWorld;
  beforeAll(async () => {
    world = await FuzzWorld.create(store);
  }, 60_000);
  afterAll(async () => {
    sabotage = undefined;
    await world?.close();
  });

  /** A result for a challenge never issued, from a session that has one pending: refused (no_pending_ceremony) after `ceremonies.take` ran. */
  const refused = async () => {
    const jar = new CookieJar();
    const saved = sabotage;
    sabotage = undefined;
    await world.prelude({ method: 'POST', path: '/assertion/options', jar, ...jsonBody({}) });
    sabotage = saved;
    return { method: 'POST', path: '/assertion/result', jar, ...jsonBody({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: 'bm90LWlzc3VlZA', origin: ORIGIN })).toString('base64url'), authenticatorData: 'AAAA', signature: 'AAAA' } }) };
  };

  it('passes a clean refusal', async () => {
    sabotage = undefined;
    const reply = await world.send(await refused());
    expect([reply.status, (reply.json as { code: string }).code]).toEqual([400, 'no_pending_ceremony']);
  });

  it('reports a write through the ports by a refused request', async () => {
    const victim = world.agentUser('signedIn');
    sabotage = () => world.store.credentials.rename(victim.credentialId!, victim.userId, 'renamed by a refusal').then(() => undefined);
    await expect(world.send(await refused())).rejects.toThrow(/a refused request wrote state: credentials\.rename/);
  });

  it('reports a write that bypasses the ports (the state snapshot differs)', async () => {
    const victim = world.agentUser('signedIn');
    sabotage = () => inner.credentials.rename(victim.credentialId!, victim.userId, 'renamed behind the ports').then(() => undefined);
    const err = await world.send(await refused()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FuzzViolation);
    expect((err as Error).message).toMatch(/a refused request changed stored state/);
    expect((err as Error).message).toMatch(/renamed behind the ports/);
  });
});
