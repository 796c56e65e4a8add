import type { RequestHandler } from 'express';
import { randomId, type Random } from '../lib/random.js';
import { withLogContext } from '../lib/logger.js';

/** An incoming X-Request-Id is kept only if it is this: 1-128 characters that are safe in a log line and a header. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Longest User-Agent kept for the audit trail (longer ones are cut). */
const USER_AGENT_MAX = 256;

/**
 * Gives every request an id: the caller's `X-Request-Id` when it is well formed (a proxy's or
 * a client's, so one id follows the request across systems), otherwise a new random one
 * (anything malformed is dropped, never echoed, so a client cannot inject text into logs or
 * headers). The id is answered in `X-Request-Id`, kept in `res.locals.requestId`, and every
 * log line written while the request is handled carries it as `reqId` (`withLogContext`, which
 * also holds the client IP and a truncated User-Agent for the audit trail).
 * Mount it first. (The context survives body parsing: raw-body binds its callbacks to it.)
 */
export function requestId(random: Random): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomId(random, 16);
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    const userAgent = req.headers['user-agent'];
    withLogContext({ reqId: id, ip: req.ip, userAgent: typeof userAgent === 'string' ? userAgent.slice(0, USER_AGENT_MAX) : undefined }, next);
  };
}
