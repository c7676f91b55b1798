import { z } from 'zod';
import { ToolArgs } from './json-value.js';
import { Identifier, IsoTime, QueueName, ToolName, label, text } from './text.js';

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Who or what made a decision. */
export const DecidedBy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reviewer'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('policy'), rule: z.string() }),
  z.object({ kind: z.literal('timeout') }),
]);
export type DecidedBy = z.infer<typeof DecidedBy>;

export const Decision = z.object({
  approved: z.boolean(),
  reason: z.string().optional(),
  /** The arguments the tool may run with: the agent's own, or the reviewer's edit. */
  args: ToolArgs,
  /** True when a reviewer changed the arguments. */
  modified: z.boolean(),
  decidedBy: DecidedBy,
  decidedAt: IsoTime,
});
export type Decision = z.infer<typeof Decision>;

/** One approval request as the hub keeps it. Times are ISO-8601 from the hub's clock. */
export const ApprovalRecord = z.object({
  requestId: Identifier,
  status: ApprovalStatus,
  toolName: ToolName,
  args: ToolArgs,
  agentName: z.string(),
  runId: z.string(),
  conversationId: z.string().optional(),
  description: z.string().optional(),
  queue: QueueName,
  createdAt: IsoTime,
  expiresAt: IsoTime,
  decision: Decision.optional(),
});
export type ApprovalRecord = z.infer<typeof ApprovalRecord>;

export const MAX_DESCRIPTION_LENGTH = 4000;
export const MAX_REASON_LENGTH = 2000;
export const MIN_TIMEOUT_MS = 1000;

/** What an agent sends to ask for approval (`approval.request`, `POST /api/approvals`). */
export const ApprovalRequestInput = z.strictObject({
  /** Made by the client; the idempotency key. Re-sending the same request returns the same record. */
  requestId: Identifier,
  toolName: ToolName,
  args: ToolArgs,
  /** Defaults to the name of the agent's token. */
  agentName: label(128).optional(),
  runId: label(256),
  conversationId: label(256).optional(),
  description: text(MAX_DESCRIPTION_LENGTH).optional(),
  /** Defaults to `default`. */
  queue: QueueName.optional(),
  /** Defaults to the hub's `approval.defaultTimeoutMs`; at most its `maxTimeoutMs`. */
  timeoutMs: z.int().min(MIN_TIMEOUT_MS).optional(),
});
export type ApprovalRequestInput = z.infer<typeof ApprovalRequestInput>;

export const DEFAULT_QUEUE = 'default';

/** Delivered to the agent when its request is decided (`approval.response` on `/agent`): the decision, with its id and status. */
export const ApprovalResponse = Decision.extend({ requestId: Identifier, status: ApprovalStatus });
export type ApprovalResponse = z.infer<typeof ApprovalResponse>;

/** The response an agent receives for a decided record. */
export function responseOf(record: ApprovalRecord): ApprovalResponse | null {
  const decision = record.decision;
  if (!decision) return null;
  const response: ApprovalResponse = {
    requestId: record.requestId,
    approved: decision.approved,
    status: record.status,
    args: decision.args,
    modified: decision.modified,
    decidedBy: decision.decidedBy,
    decidedAt: decision.decidedAt,
  };
  if (decision.reason !== undefined) response.reason = decision.reason;
  return response;
}

const decisionFields = {
  approved: z.boolean(),
  reason: text(MAX_REASON_LENGTH).optional(),
  args: ToolArgs.optional(),
};

function editsOnlyWhenApproved(d: { approved: boolean; args?: unknown }): boolean {
  return d.approved || d.args === undefined;
}
const editsOnlyWhenApprovedIssue = { message: 'args (edited arguments) can only come with approved: true', path: ['args'] };

/** A reviewer's decision (`approval.response` on `/reviewer`); `args` means "approve with these edited arguments". */
export const ReviewerDecision = z.strictObject({ requestId: Identifier, ...decisionFields }).refine(editsOnlyWhenApproved, editsOnlyWhenApprovedIssue);
export type ReviewerDecision = z.infer<typeof ReviewerDecision>;

/** `POST /api/approvals/:id/decision` body: a reviewer decision without the id. */
export const DecisionBody = z.strictObject(decisionFields).refine(editsOnlyWhenApproved, editsOnlyWhenApprovedIssue);
export type DecisionBody = z.infer<typeof DecisionBody>;

export const ApprovalSync = z.strictObject({ requestIds: z.array(Identifier).max(1000) });
export type ApprovalSync = z.infer<typeof ApprovalSync>;

export const ApprovalCancel = z.strictObject({ requestId: Identifier, reason: text(MAX_REASON_LENGTH).optional() });
export type ApprovalCancel = z.infer<typeof ApprovalCancel>;

export const ApprovalGet = z.strictObject({ requestId: Identifier });
export type ApprovalGet = z.infer<typeof ApprovalGet>;

export const QueueSubscribe = z.strictObject({ queues: z.array(QueueName).max(100).optional() });
export type QueueSubscribe = z.infer<typeof QueueSubscribe>;

export const QueueSnapshot = z.object({ pending: z.array(ApprovalRecord), serverTime: IsoTime, queues: z.array(z.string()).nullable() });
export type QueueSnapshot = z.infer<typeof QueueSnapshot>;

/** The agent's ack to a delivered `approval.response`. */
export const DeliveryReceipt = z.object({ requestId: Identifier });
export type DeliveryReceipt = z.infer<typeof DeliveryReceipt>;
