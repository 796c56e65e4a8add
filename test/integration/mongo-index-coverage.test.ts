/**
 * Cost that stays flat as the user base grows (issue 9 point 4), on MongoDB: every query a
 * registration and a sign-in send is served by an index, so its cost grows with log(users),
 * not with users. Checked on the commands the driver really sends (command monitoring)
 * through the real HTTP app, against the indexes the collections really have (listIndexes,
 * after ensure-indexes.ts): a filter, update or delete selector, findAndModify query,
 * aggregate `$match` or `$lookup` must constrain the first key of one of its collection's
 * indexes (`_id` included), the condition for MongoDB to use that index rather than scan.
 *
 * Why a test and not only the benchmark: the MongoDB-wire test server (mongo-java-server)
 * serves a query from an index only when the query names exactly that unique index's keys
 * (AbstractUniqueIndex.canHandle: `query.keySet().equals(keySet())`) and has no other
 * indexes, so its timings at 100,000 users cannot show what MongoDB's indexes do
 * (docs/benchmarks.md); this shows each query would use one.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoClient } from 'mongodb';
import { openMongoStore } from '../../server/src/storage/mongo/mongo-store.js';
import type { Store } from '../../server/src/storage/ports.js';
import { createHarness, register, signIn } from '../helpers/harness.js';
import { DRIVER_HOUSEKEEPING } from '../helpers/mongo-test-server.js';

type Command = Readonly<Record<string, unknown>>;
interface Query {
  command: string;
  collection: string;
  /** The selector (filter, q, query, $match) or, for a $lookup, `{ [foreignField]: 1 }`. */
  selector: Record<string, unknown>;
}

/** The selectors a command carries, per collection (inserts carry none). */
function queriesOf(name: string, command: Command, collection: string | undefined): Query[] {
  if (!collection) return [];
  const q = (selector: unknown, coll = collection): Query => ({ command: name, collection: coll, selector: (selector ?? {}) as Record<string, unknown> });
  switch (name) {
    case 'find':
    case 'count':
    case 'distinct':
      return [q(command.filter ?? command.query)];
    case 'findAndModify':
      return [q(command.query)];
    case 'update':
      return (command.updates as { q: unknown }[]).map((u) => q(u.q));
    case 'delete':
      return (command.deletes as { q: unknown }[]).map((d) => q(d.q));
    case 'aggregate': {
      const out: Query[] = [];
      const stages = command.pipeline as Record<string, Record<string, unknown>>[];
      if (stages[0]?.$match) out.push(q(stages[0].$match));
      for (const s of stages) if (s.$lookup) out.push(q({ [s.$lookup.foreignField as string]: 1 }, s.$lookup.from as string));
      if (out.length === 0) out.push(q({}));
      return out;
    }
    case 'insert':
      return [];
    default:
      throw new Error(`a ${name} command on ${collection}: teach this test what it selects`);
  }
}

/** The top-level fields a selector constrains ($and branches included; $or would need every branch indexed, so it counts as none). */
function constrained(selector: Record<string, unknown>): Set<string> {
  const fields = new Set<string>();
  for (const [k, v] of Object.entries(selector)) {
    if (k === '$and') for (const part of v as Record<string, unknown>[]) for (const f of constrained(part)) fields.add(f);
    else if (!k.startsWith('$')) fields.add(k);
  }
  return fields;
}

const run = process.env.KEYGATE_TEST_MONGODB_URI || process.env.REQUIRE_MONGO === '1' ? describe : describe.skip;

run('every query of a registration and a sign-in is served by an index (MongoDB)', () => {
  let store: Store;
  let client: MongoClient;
  const dbName = `keygate_test_${randomBytes(6).toString('hex')}`;
  const seen: Query[] = [];
  /** First key of each index, per collection. */
  const leading = new Map<string, Set<string>>();

  beforeAll(async () => {
    const uri = process.env.KEYGATE_TEST_MONGODB_URI;
    if (!uri) throw new Error(`the MongoDB suite cannot run: ${process.env.KEYGATE_TEST_MONGODB_SKIP ?? 'no MongoDB test server'}`);
    store = await openMongoStore({
      uri,
      dbName,
      serverSelectionTimeoutMS: 3000,
      onCommand: (name, command, collection) => {
        if (!DRIVER_HOUSEKEEPING.has(name) && name !== 'listIndexes') seen.push(...queriesOf(name, command, collection));
      },
    });
    client = await new MongoClient(uri, { serverSelectionTimeoutMS: 3000 }).connect();
  });
  afterAll(async () => {
    await client?.db(dbName).dropDatabase().catch(() => undefined);
    await client?.close();
    await store?.close();
  });

  async function indexLeaders(collection: string): Promise<Set<string>> {
    let got = leading.get(collection);
    if (!got) {
      const indexes = await client.db(dbName).collection(collection).listIndexes().toArray().catch(() => []);
      got = new Set(['_id', ...indexes.map((i) => Object.keys(i.key as object)[0]!)]);
      leading.set(collection, got);
    }
    return got;
  }

  it('registration, sign-in by username (twice: the counter advances), usernameless sign-in, session read', async () => {
    const h = createHarness(store);
    const auth = h.authenticator();
    const agent = h.agent();
    expect((await register(agent, auth, { username: 'alice', residentKey: 'required', credential: { discoverable: true } })).result.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await signIn(agent, auth, { username: 'alice' })).result.status).toBe(200);
    const options = await agent.post('/assertion/options').send({});
    expect(options.status).toBe(200);
    expect((await agent.post('/assertion/result').send(await auth.getAssertion({ challenge: options.body.challenge }))).status).toBe(200);
    expect((await agent.get('/session')).status).toBe(200);

    // The path really ran through the store, users and credentials included.
    const collections = new Set(seen.map((q) => q.collection));
    for (const c of ['users', 'credentials', 'pending_ceremonies', 'sessions', 'rate_limits']) expect(collections).toContain(c);

    const unserved: string[] = [];
    for (const q of seen) {
      const leaders = await indexLeaders(q.collection);
      const fields = constrained(q.selector);
      if (![...fields].some((f) => leaders.has(f))) unserved.push(`${q.command} ${q.collection} ${JSON.stringify(q.selector)} (indexes lead with: ${[...leaders].join(', ')})`);
    }
    expect(unserved).toEqual([]);
  });

  it('the check itself: a query on an unindexed field is reported', async () => {
    const leaders = await indexLeaders('users');
    expect([...constrained({ displayName: 'x' })].some((f) => leaders.has(f))).toBe(false);
    expect([...constrained({ username: 'x' })].some((f) => leaders.has(f))).toBe(true);
    expect([...constrained({ $or: [{ _id: 'x' }, { username: 'y' }] })].some((f) => leaders.has(f))).toBe(false);
  });
});
