import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger (pino, JSON lines on stdout). Tests pass `silentLogger`.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'keygate' } });
}

export const silentLogger: Logger = pino({ level: 'silent' });
