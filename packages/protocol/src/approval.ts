import { z } from 'zod';
import { ToolArgs } from './json-value.js';
import { RequestContext, RequestSummary, RiskLevel } from './risk.js';
import { SuspiciousFinding } from './suspicious-text.js';
import { Identifier, IsoTime, QueueName, ToolName, label, text } from './text.js';
import { Challenge, GrantInput, Grantor, MAX_CHALLENGES } from './grants.js';

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']);
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** Who or what made a decision. */
export const DecidedBy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reviewer'), id: z.string(), name: z.string() }),
  z.object({ kind: z.literal('policy'), rule: z.string() }),
  z.object({ kind: z.literal('timeout') }),
  /** A standing grant covered the request on arrival. */
  z.object({ kind: z.literal('grant'), grantId: z.string(), grantedBy: Grantor }),
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

/** The authenticated agent behind a request: the token's principal, never what the agent claims. */
export const AgentIdentity = z.object({ id: z.string(), name: z.string() });
export type AgentIdentity = z.infer<typeof AgentIdentity>;

/** One reviewer's approval counted toward a quorum. */
export const QuorumApproval = z.object({ id: z.string(), name: z.string(), at: IsoTime });
export type QuorumApproval = z.infer<typeof QuorumApproval>;

/**
 * A request that needs several distinct reviewers (`approval.quorum`): `approvals` so far, all for the same arguments
 * (`args`, when a reviewer edited them; the request's own otherwise). An edit starts the count again.
 */
export const Quorum = z.object({
  rule: z.string(),
  required: z.int().min(2),
  approvals: z.array(QuorumApproval),
  args: ToolArgs.optional(),
});
export type Quorum = z.infer<typeof Quorum>;

/**
 * A request an `approval.escalation` rule moves to `toQueue` if still pending at `escalateAt`; once moved, `fromQueue`
 * and `escalatedAt` say from where and when. The deadline never changes.
 */
export const Escalation = z.object({
  rule: z.string(),
  toQueue: QueueName,
  escalateAt: IsoTime,
  fromQueue: QueueName.optional(),
  escalatedAt: IsoTime.optional(),
});
export type Escalation = z.infer<typeof Escalation>;

/** SHA-256 (base64url, unpadded) of the canonical JSON of a set of arguments: names exactly what an approval approves. */
export const ArgsDigest = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'an argsDigest from this hub (43 base64url characters)');
export type ArgsDigest = z.infer<typeof ArgsDigest>;

/**
 * A reviewer's edit of a pending request's arguments that has not yet run (it waits for more approvals of a quorum).
 * It is what would run; approvals of other arguments do not count toward it.
 */
export const Proposal = z.object({
  args: ToolArgs,
  argsDigest: ArgsDigest,
  proposedBy: z.object({ id: z.string(), name: z.string() }),
  proposedAt: IsoTime,
});
export type Proposal = z.infer<typeof Proposal>;

/** One approval request as the hub keeps it. Times are ISO-8601 from the hub's clock. */
export const ApprovalRecord = z.object({
  requestId: Identifier,
  status: ApprovalStatus,
  toolName: ToolName,
  args: ToolArgs,
  /** Who asked, from the token. Policies, quotas and delivery use this, never `agentName`. */
  agent: AgentIdentity,
  /** A display label the agent chose (defaults to the token's name); it decides nothing. */
  agentName: z.string(),
  runId: z.string(),
  conversationId: z.string().optional(),
  description: z.string().optional(),
  /** The risk reviewers go by: the agent's, raised by a hub rule when one matched (never lowered). */
  risk: RiskLevel.optional(),
  /** The risk the agent stated, as sent. */
  agentRisk: RiskLevel.optional(),
  /** The hub rule that raised the risk above the agent's, when one did. */
  riskRule: z.string().optional(),
  summary: z.string().optional(),
  context: RequestContext.optional(),
  /**
   * Suspicious text the hub found on arrival (bidi controls, invisible characters, mixed scripts) in any field the
   * agent wrote: tool name, arguments (keys and values), summary, context, description, labels. Empty when clean.
   */
  suspicious: z.array(SuspiciousFinding).optional(),
  /** What the call does, ADK-style, as the agent's tool declared it; grants can match on these. */
  challenges: z.array(Challenge).optional(),
  /** The end user the agent acts for, as the agent states it. */
  onBehalfOf: z.string().optional(),
  /** Digest of the agent's own `args`. */
  argsDigest: ArgsDigest.optional(),
  /** While pending: a reviewer's edited arguments, which would run instead of `args` if the quorum completes. */
  proposal: Proposal.optional(),
  /** Present when the request needs several approvals. */
  quorum: Quorum.optional(),
  /** Present when an escalation rule applies (or applied) to the request. */
  escalation: Escalation.optional(),
  queue: QueueName,
  createdAt: IsoTime,
  expiresAt: IsoTime,
  decision: Decision.optional(),
  /** When the request left `pending`: its decision's time, or when it was cancelled. History sorts by it. */
  resolvedAt: IsoTime.optional(),
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
  /** A display label shown next to the token's name; defaults to the token's name. It decides nothing. */
  agentName: label(128).optional(),
  runId: label(256),
  conversationId: label(256).optional(),
  description: text(MAX_DESCRIPTION_LENGTH).optional(),
  /** How much harm the call can do. Hub rules (`approval.risk`) may raise it, never lower it. */
  risk: RiskLevel.optional(),
  /** One line saying what the call will do, shown in the queue. */
  summary: RequestSummary.optional(),
  /** Why the agent wants the call: Markdown rationale and recent conversation turns, size-limited. */
  context: RequestContext.optional(),
  /** ADK-style challenges: the actions the call performs and the resources it touches. */
  challenges: z.array(Challenge).max(MAX_CHALLENGES).optional(),
  /** The end user the agent acts for (the grantee chain: tool, agent, user). */
  onBehalfOf: label(256).optional(),
  /** Defaults to `default` (or the token's first queue when the token is restricted to some). */
  queue: QueueName.optional(),
  /** Defaults to the hub's `approval.defaultTimeoutMs`; between the queue's `minTimeoutMs` and `maxTimeoutMs`. */
  timeoutMs: z.int().min(MIN_TIMEOUT_MS).optional(),
});
export type ApprovalRequestInput = z.infer<typeof ApprovalRequestInput>;

export const DEFAULT_QUEUE = 'default';

/** The digest an approval of this record as shown must carry: the pending proposal's, else the agent's arguments'. */
export function digestToApprove(record: Pick<ApprovalRecord, 'argsDigest' | 'proposal'>): string | undefined {
  return record.proposal?.argsDigest ?? record.argsDigest;
}

/** Delivered to the agent when its request is decided (`approval.response` on `/agent`): the decision, with its id and status. */
export const ApprovalResponse = Decision.extend({ requestId: Identifier, status: ApprovalStatus });
export type ApprovalResponse = z.infer<typeof ApprovalResponse>;

/**
 * Announced to every connected socket of the agent when one of its requests is cancelled (`approval.cancelled` on
 * `/agent`), so that another process on the same token stops waiting at once. A notice, not a delivery: it is not
 * acknowledged or sent again; a socket that missed it reads the `cancelled` record with `approval.sync`.
 */
export const ApprovalCancelled = z.object({
  requestId: Identifier,
  status: z.literal('cancelled'),
  /** The reason the canceller gave, if any. */
  reason: z.string().optional(),
  cancelledAt: IsoTime,
});
export type ApprovalCancelled = z.infer<typeof ApprovalCancelled>;

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
  /**
   * The digest of the arguments the reviewer was shown and approves: `digestToApprove(record)`. Required while an
   * edited `proposal` is pending; the hub refuses with `proposal_changed` when it is not the digest of what would run.
   */
  argsDigest: ArgsDigest.optional(),
  /** Also decide later calls like this one the same way, within the scope given (see `GrantInput`). */
  grant: GrantInput.optional(),
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

/**
 * `approval.sync`: the current records of the agent's own requests. With `paged: true` the ack is an
 * `ApprovalSyncPage`; without it (clients before 0.2) a bare record list, cut at the hub's page budget in the same
 * way: an id left out is unknown or not yet read, and asking for it again is safe.
 */
export const ApprovalSync = z.strictObject({ requestIds: z.array(Identifier).max(1000), paged: z.boolean().optional() });
export type ApprovalSync = z.infer<typeof ApprovalSync>;

/**
 * The answer to a paged `approval.sync`: records of the ids read, in the order asked, unknown ids left out, cut at
 * the hub's page budget (`limits.maxPageBytes`). `remaining`: ids not read yet; send them in another sync.
 */
export const ApprovalSyncPage = z.object({ records: z.array(ApprovalRecord), remaining: z.array(Identifier) });
export type ApprovalSyncPage = z.infer<typeof ApprovalSyncPage>;

export const ApprovalCancel = z.strictObject({ requestId: Identifier, reason: text(MAX_REASON_LENGTH).optional() });
export type ApprovalCancel = z.infer<typeof ApprovalCancel>;

export const ApprovalGet = z.strictObject({ requestId: Identifier });
export type ApprovalGet = z.infer<typeof ApprovalGet>;

export const MAX_SNAPSHOT_PAGE = 500;
export const DEFAULT_SNAPSHOT_PAGE = 200;

/**
 * `queue.subscribe`: joins the queues' live feed and returns the first page of what is pending there.
 * Further pages come from `queue.page` with the returned cursor.
 */
export const QueueSubscribe = z.strictObject({
  queues: z.array(QueueName).max(100).optional(),
  limit: z.int().min(1).max(MAX_SNAPSHOT_PAGE).optional(),
});
export type QueueSubscribe = z.infer<typeof QueueSubscribe>;

/** `queue.page`: the next page of the pending snapshot of the current subscription. */
export const QueuePage = z.strictObject({
  cursor: z.string().min(1).max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a cursor from this API'),
  limit: z.int().min(1).max(MAX_SNAPSHOT_PAGE).optional(),
});
export type QueuePage = z.infer<typeof QueuePage>;

/** One page of pending requests, by deadline; `nextCursor` is null on the last page. */
export const QueueSnapshot = z.object({
  pending: z.array(ApprovalRecord),
  serverTime: IsoTime,
  queues: z.array(z.string()).nullable(),
  nextCursor: z.string().nullable(),
});
export type QueueSnapshot = z.infer<typeof QueueSnapshot>;

/**
 * `approval.moved` on `/reviewer`: an escalation moved a pending request from `fromQueue`. Reviewers who may see it in
 * its new queue get `record` (and `toQueue`); reviewers of the old queue only get the id: it left their view.
 */
export const ApprovalMoved = z.object({
  requestId: Identifier,
  fromQueue: QueueName,
  toQueue: QueueName.optional(),
  record: ApprovalRecord.optional(),
});
export type ApprovalMoved = z.infer<typeof ApprovalMoved>;

/** The agent's ack to a delivered `approval.response`. */
export const DeliveryReceipt = z.object({ requestId: Identifier });
export type DeliveryReceipt = z.infer<typeof DeliveryReceipt>;
