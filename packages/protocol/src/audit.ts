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
]);
export type AuditType = z.infer<typeof AuditType>;

export const AuditActor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('agent'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('reviewer'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('policy'), rule: z.string() }),
  z.object({ kind: z.literal('timeout') }),
  z.object({ kind: z.literal('hub') }),
]);
export type AuditActor = z.infer<typeof AuditActor>;

/** One row of the append-only audit log; `hash` = SHA-256 over `prevHash` and the row's content. */
export const AuditEntry = z.object({
  seq: z.int(),
  at: IsoTime,
  type: AuditType,
  requestId: z.string().nullable(),
  queue: z.string().nullable(),
  actor: AuditActor,
  data: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `approval.get` / `GET /api/approvals/:id`: the record's own fields plus its audit timeline, oldest first. */
export const ApprovalDetail = ApprovalRecord.extend({ timeline: z.array(AuditEntry) });
export type ApprovalDetail = z.infer<typeof ApprovalDetail>;

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.int(),
  firstBad: z.object({ seq: z.int(), reason: z.string() }).optional(),
  head: z.object({ seq: z.int(), hash: z.string() }).nullable(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

export const AuditHead = z.object({ seq: z.int(), hash: z.string(), at: IsoTime.nullable() });
export type AuditHead = z.infer<typeof AuditHead>;
