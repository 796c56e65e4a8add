import type { Db } from 'mongodb';

/**
 * Creates keygate's indexes; idempotent (run at every start and by scripts/create-indexes.ts).
 * Credential id uniqueness needs no index of its own: the credential id is `_id`.
 * TTL indexes only tidy up: reads still filter on `expiresAt > now`.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  await db.collection('users').createIndex({ username: 1 }, { unique: true, name: 'username_unique' });
  await db.collection('credentials').createIndex({ userId: 1, createdAt: 1 }, { name: 'by_user' });
  await db.collection('pending_ceremonies').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('sessions').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('sessions').createIndex({ userId: 1 }, { name: 'by_user' });
  await db.collection('sessions').createIndex({ credentialId: 1 }, { name: 'by_credential' });
  await db.collection('locks').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 60, name: 'ttl' });
  await db.collection('rate_limits').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('sign_in_attempts').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('sign_in_attempts').createIndex({ userId: 1 }, { name: 'by_user' });
  await db.collection('lockouts').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('issued_tokens').createIndex({ jti: 1 }, { unique: true, name: 'jti_unique' });
  await db.collection('issued_tokens').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('revoked_tokens').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  // Audit pages sort by at, then id (events of one millisecond); retention by expiresAt (TTL).
  await db.collection('audit_events').createIndex({ userId: 1, at: -1, id: -1 }, { name: 'by_user_page' });
  await db.collection('audit_events').createIndex({ type: 1, at: -1, id: -1 }, { name: 'by_type_page' });
  await db.collection('audit_events').createIndex({ at: -1, id: -1 }, { name: 'by_time_page' });
  await db.collection('audit_events').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('one_time_links').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('one_time_links').createIndex({ userId: 1 }, { name: 'by_user' });
  // Out-of-band codes (mongo-oob.ts): sign-in codes and send limits expire; destinations are per user (`_id`).
  await db.collection('oob_codes').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('oob_sends').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  // Sign-in approval requests (mongo-approval.ts): one per requesting session (`_id`); approvers find them by requestId and by user.
  await db.collection('approvals').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'ttl' });
  await db.collection('approvals').createIndex({ requestId: 1 }, { name: 'by_request_id', unique: true });
  await db.collection('approvals').createIndex({ userId: 1, createdAt: 1 }, { name: 'by_user' });
}
