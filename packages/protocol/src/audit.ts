import { z } from 'zod';
import { ApprovalRecord } from './approval.js';
import { IsoTime } from './text.js';

export const AuditType = z.enum([
  'requested',
  'auto_approved',
  'auto_denied',
  'decided',
  'decision_rejected',
  'expired',
  'cancelled',
  'delivered',
  'input_rejected',
  /** Retention removed decided requests (listed in `data.requestIds`); their earlier audit rows are kept. */
  'purged',
  /** A reviewer's decision came with a standing grant (`data.grant`). */
  'grant_created',
  /** A grant decided a new request on arrival (`data.grantId`, `data.uses`). */
  'grant_used',
  'grant_revoked',
  /** One approval toward a quorum, not yet the last one (`data.approvals`, `data.required`). */
  'quorum_approved',
  /** An escalation rule moved a pending request to another queue (`data.fromQueue`, `data.toQueue`). */
  'escalated',
]);
export type AuditType = z.infer<typeof AuditType>;

export const AuditActor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('reviewer'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('policy'), rule: z.string() }),
  z.object({ kind: z.literal('timeout') }),
  z.object({ kind: z.literal('hub') }),
  z.object({ kind: z.literal('grant'), grantId: z.string(), grantedBy: z.object({ id: z.string(), name: z.string() }) }),
]);
export type AuditActor = z.infer<typeof AuditActor>;

/**
 * One row of the append-only audit log; `hash` = SHA-256 over `prevHash` and the row's content.
 * `seq`, `prevHash`, `hash` and `stateHash` count every request in every queue, so only admins see them.
 */
export const AuditEntry = z.object({
  seq: z.int().optional(),
  at: IsoTime,
  type: AuditType,
  requestId: z.string().nullable(),
  queue: z.string().nullable(),
  actor: AuditActor,
  data: z.unknown(),
  /** SHA-256 of the request's stored state after this event (record and delivery), when the event changed it. */
  stateHash: z.string().nullable().optional(),
  prevHash: z.string().optional(),
  hash: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/**
 * `approval.get` / `GET /api/approvals/:id`: the record's own fields plus its audit timeline, oldest first, cut at
 * the hub's page budget: `timelineTruncated` says entries were left out (read them with `GET /api/audit?requestId=`).
 */
export const ApprovalDetail = ApprovalRecord.extend({ timeline: z.array(AuditEntry), timelineTruncated: z.literal(true).optional() });
export type ApprovalDetail = z.infer<typeof ApprovalDetail>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.int(),
  /** How many stored requests were checked against the state the chain committed to. */
  statesChecked: z.int().optional(),
  firstBad: z.object({ seq: z.int(), reason: z.string() }).optional(),
  /** A stored request whose state differs from what the chain says (changed, added or removed outside the hub). */
  badState: z.object({ requestId: z.string(), reason: z.string() }).optional(),
  head: z.object({ seq: z.int(), hash: z.string() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const AuditHead = z.object({ seq: z.int(), hash: z.string(), at: IsoTime.nullable() });
export type AuditHead = z.infer<typeof AuditHead>;
