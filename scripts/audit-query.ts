/**
 * Reads keygate's audit trail for operators: `npm run audit -- [--user <username or user id>]
 * [--type authentication.failed] [--from <ISO time>] [--to <ISO time>] [--limit 50]
 * [--before <cursor>]`, with the server's environment (MONGODB_URI, ...). Prints one JSON
 * event per line, newest first, then `next: <cursor>` when there are more (pass it as
 * --before). Events past AUDIT_RETENTION_DAYS are left out. Exit 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/src/config/load-config.js';
import { systemClock } from '../server/src/lib/clock.js';
import { createLogger } from '../server/src/lib/logger.js';
import { normalizeUsername } from '../server/src/policy/username.js';
import { openStore } from '../server/src/storage/open-store.js';

const fail = (message: string): never => {
  console.error(`audit: ${message}`);
  process.exit(2);
};

let args;
try {
  args = parseArgs({
    options: { user: { type: 'string' }, type: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string', default: '50' }, before: { type: 'string' } },
    strict: true,
  }).values;
} catch (err) {
  fail((err as Error).message);
}
const time = (name: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? fail(`--${name} must be an ISO 8601 time`) : d;
};
const limit = Number(args!.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 1000) fail('--limit must be 1-1000');
const cursor = args!.before;
if (cursor !== undefined && !/^\d{1,15}\.[A-Za-z0-9_-]{1,64}$/.test(cursor)) fail('--before must be a cursor printed as next:');

let config;
try {
  config = loadConfig(process.env);
} catch (err) {
  fail(`configuration error: ${(err as Error).message}`);
}
if (!config!.mongodbUri) fail('MONGODB_URI is not set (the memory store lives inside a running keygate)');
const store = await openStore(config!, createLogger('warn'));
try {
  let userId: string | undefined;
  if (args!.user !== undefined) {
    let byName;
    try {
      byName = await store.users.findByUsername(normalizeUsername(args!.user));
    } catch {
      byName = undefined; // not a valid username: taken as a user id
    }
    userId = byName?.id ?? args!.user;
  }
  const events = await store.audit.list({
    userId,
    type: args!.type,
    from: time('from', args!.from),
    to: time('to', args!.to),
    before: cursor === undefined ? undefined : { at: new Date(Number(cursor.slice(0, cursor.indexOf('.')))), id: cursor.slice(cursor.indexOf('.') + 1) },
    limit: limit + 1,
    now: systemClock.now(),
  });
  for (const e of events.slice(0, limit)) console.log(JSON.stringify(e));
  const last = events[limit - 1];
  if (events.length > limit && last) console.log(`next: ${last.at.getTime()}.${last.id}`);
} finally {
  await store.close();
}
