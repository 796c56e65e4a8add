import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../deps.js';
import { approveSignIn, denySignIn, pendingApprovals, startApproval, type Approver } from '../../ceremonies/approve-sign-in.js';
import { approvalStatus, completeApprovedSignIn, requestApproval, requireApprovalEnabled } from '../../ceremonies/device-approval.js';
import { requireUser } from '../../ceremonies/manage-credentials.js';
import { parseInput } from '../../lib/parse-input.js';
import { currentSession } from '../../sessions/session-service.js';
import type { ApprovalRequest } from '../../storage/ports.js';
import { sessionIdOf, setSessionCookie } from '../middleware/session-cookie.js';
import { approvalDenyRequest, approvalNumberRequest } from '../request-schemas.js';
import type { z } from 'zod';
import type { approvalView as approvalViewSchema } from '../approval-response-schemas.js';
import { sessionView, userView } from '../session-view.js';

const OK = { status: 'ok', errorMessage: '' } as const;
/** How often an event stream looks in the store for new requests (the store is shared: this is how it works across instances). */
export const APPROVAL_POLL_MS = 1000;
/** A comment line this often keeps proxies from closing an idle stream. */
export const APPROVAL_HEARTBEAT_MS = 15_000;

/** A pending request as approvers see it: never the number to pick. */
function approvalView(r: ApprovalRequest): z.output<typeof approvalViewSchema> {
  return { id: r.requestId, ip: r.ip ?? null, userAgent: r.userAgent ?? null, createdAt: r.createdAt.toISOString(), expiresAt: r.decideBy.toISOString(), choices: r.choices };
}

/**
 * Sign-in approval from a signed-in device (ceremonies/device-approval.ts for the requesting
 * half sign-in, approve-sign-in.ts for the approving sessions):
 * - requester: `POST /login/approval` (ask; shows a number), `GET /login/approval` (poll the
 *   status), `POST /login/approval/complete` (signed in, once approved);
 * - approver (a signed-in session of the same user): `GET /account/approvals` (pending ones),
 *   `GET /account/approvals/events` (the same as server-sent events), `POST
 *   /account/approvals/{id}/options` `{ number }` then `/approve` with the assertion, or
 *   `POST /account/approvals/{id}/deny` `{ notMe? }`.
 */
export function approvalRoutes(deps: Deps): Router {
  const r = Router();
  const approver = async (req: Request): Promise<Approver> => {
    const session = await currentSession(deps, sessionIdOf(req, deps.config));
    return { session: session!, user: await requireUser(deps, session), ip: req.ip };
  };

  r.post('/login/approval', async (req, res) => {
    const result = await requestApproval(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip, userAgent: req.get('user-agent') });
    res.json({ ...OK, requestId: result.requestId, number: result.number, expiresAt: result.expiresAt.toISOString() });
  });

  r.get('/login/approval', async (req, res) => {
    const result = await approvalStatus(deps, { sessionId: sessionIdOf(req, deps.config) });
    // `state`, not `status`: every reply's `status` is ok | failed.
    res.json({ ...OK, requestId: result.requestId, number: result.number, state: result.status, expiresAt: result.expiresAt.toISOString() });
  });

  r.post('/login/approval/complete', async (req, res) => {
    const result = await completeApprovedSignIn(deps, { sessionId: sessionIdOf(req, deps.config), ip: req.ip });
    setSessionCookie(res, deps.config, result.session.id, result.session);
    res.json({ ...OK, user: userView(result.user), session: sessionView(result.session) });
  });

  r.get('/account/approvals', async (req, res) => {
    const list = await pendingApprovals(deps, await approver(req));
    res.json({ ...OK, approvals: list.map(approvalView) });
  });

  r.get('/account/approvals/events', async (req, res) => {
    requireApprovalEnabled(deps);
    const who = await approver(req);
    streamApprovals(deps, who, req, res);
  });

  r.post('/account/approvals/:id/options', async (req, res) => {
    const { number } = parseInput(approvalNumberRequest, req.body);
    res.json({ ...OK, ...(await startApproval(deps, await approver(req), req.params.id as string, number)) });
  });

  r.post('/account/approvals/:id/approve', async (req, res) => {
    await approveSignIn(deps, await approver(req), req.params.id as string, req.body);
    res.json(OK);
  });

  r.post('/account/approvals/:id/deny', async (req, res) => {
    const { notMe } = parseInput(approvalDenyRequest, req.body ?? {});
    res.json({ ...OK, ...(await denySignIn(deps, await approver(req), req.params.id as string, notMe === true)) });
  });

  return r;
}

/**
 * The event stream of GET /account/approvals/events (text/event-stream): an `approval` event
 * (data: the approval view as JSON, `id`: the request id) for each pending request of the
 * user not sent before on this stream, found by polling the store every APPROVAL_POLL_MS (so
 * a request made on another instance arrives too); a comment every APPROVAL_HEARTBEAT_MS; an
 * `end` event and the end of the stream when the session ends or after
 * APPROVAL_STREAM_SECONDS (EventSource reconnects by itself: `retry: 3000`).
 */
function streamApprovals(deps: Deps, who: Approver, req: Request, res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  const sent = new Set<string>();
  let closed = false;
  let busy = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    clearInterval(poll);
    clearInterval(beat);
    clearTimeout(life);
    if (!res.writableEnded && !res.destroyed) res.end(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
  };
  const tick = async () => {
    if (closed || busy) return;
    busy = true;
    try {
      if (!(await currentSession(deps, who.session.id))) return finish('signed_out');
      for (const request of await deps.store.approvals.pendingFor(who.user.id, deps.clock.now())) {
        if (closed || sent.has(request.requestId)) continue;
        sent.add(request.requestId);
        res.write(`event: approval\nid: ${request.requestId}\ndata: ${JSON.stringify(approvalView(request))}\n\n`);
      }
    } catch (err) {
      deps.logger.warn({ err }, 'approval event stream: the store did not answer; ending the stream');
      finish('unavailable');
    } finally {
      busy = false;
    }
  };
  const poll = setInterval(() => void tick(), APPROVAL_POLL_MS);
  const beat = setInterval(() => {
    if (!closed) res.write(': keep-alive\n\n');
  }, APPROVAL_HEARTBEAT_MS);
  const life = setTimeout(() => finish('timeout'), deps.config.approvalStreamSeconds * 1000);
  req.on('close', () => finish('closed'));
  res.on('close', () => finish('closed'));
  void tick();
}
