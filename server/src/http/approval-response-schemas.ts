import { z } from 'zod';
import { base64url, isoDate, reply } from './reply-parts.js';

/** The replies of sign-in approval from a signed-in device: part of response-schemas.ts's contract. */
export const approvalStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
export const approvalRequestReply = reply({
  requestId: base64url.describe('The request, as approvers see it'),
  number: z.number().int().min(10).max(99).describe('Show this number: the approver must pick it among three'),
  expiresAt: isoDate.describe('The approval must be given before this (2 minutes)'),
});
export const approvalStatusReply = reply({ requestId: base64url, number: z.number().int().min(10).max(99), state: approvalStatus.describe('pending, approved (POST /login/approval/complete now), denied or expired'), expiresAt: isoDate });
/** A pending request as an approving session sees it: where it comes from, when, and the three numbers (never which is right). */
export const approvalView = z.object({
  id: base64url,
  ip: z.string().nullable().describe('The requesting client\'s IP (as TRUST_PROXY lets keygate see it)'),
  userAgent: z.string().nullable().describe('The requesting browser\'s User-Agent'),
  createdAt: isoDate,
  expiresAt: isoDate,
  choices: z.array(z.number().int().min(10).max(99)).length(3).describe('Pick the one the new device shows'),
});
export const approvalsReply = reply({ approvals: z.array(approvalView) });
export const approvalDenyReply = reply({ ended: z.boolean().describe('"This was not me": the requesting half sign-in was ended') });

