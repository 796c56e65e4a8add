import type { Deps } from '../deps.js';
import { randomId, secureRandom } from '../lib/random.js';
import type { AuditEvent } from '../storage/ports.js';

/**
 * Writes one security event through the store. Auditing never breaks the request it
 * describes: a failed write is logged (with the event) and swallowed.
 */
export async function recordEvent(deps: Pick<Deps, 'store' | 'clock' | 'logger'> & Partial<Pick<Deps, 'random'>>, event: Omit<AuditEvent, 'at' | 'id'>): Promise<void> {
  const full: AuditEvent = { id: randomId(deps.random ?? secureRandom, 16), ...event, at: deps.clock.now() };
  try {
    await deps.store.audit.append(full);
  } catch (err) {
    deps.logger.error({ err, event: full }, 'audit event could not be written');
  }
  deps.logger.info({ audit: full }, event.type);
}
