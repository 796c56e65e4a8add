import type { z } from 'zod';
import { authenticationResultRequest } from '../ceremonies/response-schemas.js';
import type { Named } from './openapi-document.js';
import { approvalDenyRequest, approvalNumberRequest } from './request-schemas.js';

type Op = (reply: Named, summary: string, description: string, extra?: Record<string, unknown>) => Record<string, unknown>;

/**
 * The paths of sign-in approval from a signed-in device in the OpenAPI document
 * (openapi-document.ts builds the rest and passes its helpers).
 */
export function approvalPaths(h: { ceremony: Op; account: Op; body: (schema: z.ZodType, required?: boolean) => Record<string, unknown>; refusals: Record<string, unknown> }) {
  const { ceremony, account, body, refusals } = h;
  return {
    '/login/approval': {
      post: ceremony(
        'ApprovalRequestReply', 'Ask another signed-in device to approve this sign-in',
        'APPROVAL=true only (else 403 approval_disabled). For the half sign-in of this session (`next` listed `approval`): 403 policy_violation (rule secondFactors) when the role does not count approval (admins never); 404 no_credentials when the account has no key to approve with; 429 rate_limited (3 requests per user per minute, against approval fatigue) with Retry-After. Replaces any earlier request of this session. Show `number`: the approving device must pick it among three (number matching), then confirm with its key (UV). 2 minutes. The user\'s other sessions learn of it through GET /account/approvals(/events).',
      ),
      get: ceremony(
        'ApprovalStatusReply', 'Poll the approval of this sign-in',
        '`state`: pending, approved (then POST /login/approval/complete), denied (a wrong number, a refusal, or "this was not me", which also ends the half sign-in), expired (2 minutes passed). 401 no_pending_sign_in; 404 approval_not_found (this half sign-in asked for none).',
      ),
    },
    '/login/approval/complete': {
      post: ceremony(
        'CodeSignInReply', 'Complete a sign-in approved from another device',
        'Once: the approved request of this session and half sign-in is taken atomically. 409 approval_not_approved (still pending, denied, expired, already used, or given for another attempt). Signs in (session rotated): amr pwd + mca (RFC 8176 multiple-channel) + mfa at acr urn:keygate:acr:mfa, with TOTP (phishable on this device, so not phr).',
      ),
    },
    '/account/approvals': {
      get: account('ApprovalsReply', 'Sign-ins waiting for my approval', 'APPROVAL=true only (403 approval_disabled). The pending requests of my account: where each comes from (IP, browser), when, until when, and three numbers to choose from (never which one is right).'),
    },
    '/account/approvals/events': {
      get: {
        summary: 'Sign-ins waiting for my approval, as server-sent events',
        description: 'text/event-stream: `event: approval` with `id:` the request id and `data:` an Approval (JSON) for each pending request, once per stream, found by polling the store every second (so requests made through any instance arrive); `: keep-alive` comments every 15 s; `event: end` (data `{ "reason" }`: signed_out, timeout, unavailable) and the end of the stream when the session ends or after APPROVAL_STREAM_SECONDS; `retry: 3000` for EventSource. 401 not_signed_in, 403 approval_disabled.',
        security: [{ session: [] }],
        responses: {
          '200': { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...refusals,
        },
      },
    },
    '/account/approvals/{id}/options': {
      post: account('AuthenticationOptionsReply', 'Pick the number shown on the new device', '`{ number }`. The right one: request options for my own keys, UV required, for POST /account/approvals/{id}/approve. A wrong one DENIES the request (403 wrong_approval_number): number matching, against approving blindly. 404 approval_not_found (not a pending request of my account); 409 approval_not_pending (answered or expired).', { requestBody: body(approvalNumberRequest), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Approval request id (base64url)' }] }),
    },
    '/account/approvals/{id}/approve': {
      post: account('Ok', 'Approve the sign-in with my key', 'The assertion for the options of /options, verified as a sign-in (challenge consumed first, signature, UV, counter compare-and-set, the key usable, my role policy) but my own session stays as it is. Then the request is approved, once: 409 approval_not_pending when it was answered, expired, or another approval won. 400 ceremony_mismatch for a challenge not issued for this request.', { requestBody: body(authenticationResultRequest), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Approval request id (base64url)' }] }),
    },
    '/account/approvals/{id}/deny': {
      post: account('ApprovalDenyReply', 'Refuse the sign-in', '`{ notMe? }`. Denied; with `notMe: true` ("this was not me") the requesting half sign-in is ended as well (`ended`) and the report is audited. 404 approval_not_found; 409 approval_not_pending.', { requestBody: body(approvalDenyRequest, false), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Approval request id (base64url)' }] }),
    },
  };
}
