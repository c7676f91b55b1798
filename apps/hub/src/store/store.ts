import type {
  ApprovalListQuery,
  ApprovalRecord,
  AuditActor,
  AuditEntry,
  AuditHead,
  AuditListQuery,
  AuditType,
  AuditVerifyResult,
  Decision,
  JsonObject,
  Page,
} from '@approval-hub/protocol';

/** Which queues a reader may see: `null` = all. */
export type QueueScope = readonly string[] | null;

export interface NewApproval {
  record: ApprovalRecord;
  /** The token (principal id) that asked; decisions are delivered to it. */
  principalId: string;
  principalName: string;
  /** Hash of the request's content, to tell an idempotent re-send from a conflicting one. */
  requestHash: string;
  /** Set when a hub policy decided the request on arrival. */
  policyRule?: string;
}

export type CreateOutcome =
  | { kind: 'created'; record: ApprovalRecord }
  | { kind: 'existing'; record: ApprovalRecord }
  | { kind: 'conflict' };

export interface DecideInput {
  requestId: string;
  /** The decision without its arguments: the store fills them in from the row (or from `editedArgs`). */
  decision: Omit<Decision, 'args' | 'modified'>;
  /** A reviewer's edit; `modified` is set when it differs from the agent's arguments. */
  editedArgs?: JsonObject | undefined;
  status: 'approved' | 'denied';
  actor: AuditActor;
  scope: QueueScope;
  now: number;
  /** What `expireDue` would write if the deadline has passed. */
  timeoutDecision: (record: ApprovalRecord) => Decision;
}

export type DecideOutcome =
  | { kind: 'decided'; record: ApprovalRecord; principalId: string }
  | { kind: 'already_decided'; record: ApprovalRecord }
  /** The deadline had passed; `expiredNow` is set when this call is the one that expired it. */
  | { kind: 'expired'; record: ApprovalRecord; expiredNow?: { principalId: string } }
  | { kind: 'not_found' };

export type CancelOutcome =
  | { kind: 'cancelled'; record: ApprovalRecord }
  | { kind: 'already_decided'; record: ApprovalRecord }
  | { kind: 'not_found' };

export interface ResolvedRequest {
  record: ApprovalRecord;
  principalId: string;
}

export interface RejectionAudit {
  actor: AuditActor;
  data: Record<string, unknown>;
  requestId?: string | null;
}

/**
 * Everything that must survive a restart. Writes resolve only after their transaction committed;
 * an implementation on a server database keeps the same promises.
 */
export interface ApprovalStore {
  createRequest(input: NewApproval): Promise<CreateOutcome>;
  decide(input: DecideInput): Promise<DecideOutcome>;
  cancel(requestId: string, principalId: string, actor: AuditActor, reason: string | undefined, now: number): Promise<CancelOutcome>;
  /** Expires every pending request whose deadline is at or before `now`. */
  expireDue(now: number, decide: (record: ApprovalRecord) => { decision: Decision }): Promise<ResolvedRequest[]>;
  /** Records that the agent received the decision; false if it was already recorded. */
  markDelivered(requestId: string, principalId: string, actor: AuditActor): Promise<boolean>;
  appendAudit(type: AuditType, entry: RejectionAudit): Promise<void>;

  getRecord(requestId: string): ApprovalRecord | null;
  getOwnedRecord(requestId: string, principalId: string): ApprovalRecord | null;
  listPending(scope: QueueScope): ApprovalRecord[];
  listApprovals(query: ApprovalListQuery, scope: QueueScope, principalId?: string): Page<ApprovalRecord>;
  undelivered(principalId: string): ApprovalRecord[];
  nextDeadline(): number | null;
  timeline(requestId: string): AuditEntry[];
  listAudit(query: AuditListQuery, scope: QueueScope): Page<AuditEntry>;
  verifyAudit(): AuditVerifyResult;
  auditHead(): AuditHead;
  /** A cheap query that fails when the database does. */
  ping(): void;
  close(): Promise<void>;
}
