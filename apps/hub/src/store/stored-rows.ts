import type { ApprovalRecord, AuditActor, AuditEntry, AuditType, Decision, Escalation, Quorum } from '@approval-hub/protocol';
import type { ChainedAuditRow, StoredValue } from '../audit/audit-chain.js';
import { canonicalJson } from '../audit/canonical-json.js';

/**
 * The stored shape of requests and audit rows, shared by every SQL store: the same columns, the same text, so the
 * audit chain's state hashes come out the same whichever database keeps them.
 */

export interface ApprovalRow {
  seq: number;
  request_id: string;
  principal_id: string;
  principal_name: string | null;
  request_hash: string;
  status: ApprovalRecord['status'];
  tool_name: string;
  args: string;
  agent_name: string;
  run_id: string;
  conversation_id: string | null;
  description: string | null;
  queue: string;
  created_at: number;
  expires_at: number;
  decision: string | null;
  /** JSON of `TrustFields` (v3); null on rows written before. */
  trust: string | null;
  /** The decision's time in ms (v3); null while pending. */
  decided_at: number | null;
  /** Canonical JSON of the record's `quorum`, when it needs several approvals (grants migration). */
  quorum: string | null;
  /** Canonical JSON of the record's `escalation` (grants migration). */
  escalation: string | null;
  /** When a pending escalation is due, in ms; null when none is (or it already happened). */
  escalate_at: number | null;
}

/** The record fields kept in the `trust` column: everything a reviewer needs to judge a request at a glance. */
type TrustFields = Pick<ApprovalRecord, 'risk' | 'agentRisk' | 'riskRule' | 'summary' | 'context' | 'suspicious' | 'challenges' | 'onBehalfOf'>;

export function trustText(record: ApprovalRecord): string {
  const trust: TrustFields = {
    risk: record.risk,
    agentRisk: record.agentRisk,
    riskRule: record.riskRule,
    summary: record.summary,
    context: record.context,
    suspicious: record.suspicious,
    challenges: record.challenges,
    onBehalfOf: record.onBehalfOf,
  };
  return JSON.stringify(trust);
}

function assignTrust(record: ApprovalRecord, text: string): void {
  const trust = JSON.parse(text) as TrustFields;
  if (trust.risk !== undefined) record.risk = trust.risk;
  if (trust.agentRisk !== undefined) record.agentRisk = trust.agentRisk;
  if (trust.riskRule !== undefined) record.riskRule = trust.riskRule;
  if (trust.summary !== undefined) record.summary = trust.summary;
  if (trust.context !== undefined) record.context = trust.context;
  if (trust.suspicious !== undefined) record.suspicious = trust.suspicious;
  if (trust.challenges !== undefined) record.challenges = trust.challenges;
  if (trust.onBehalfOf !== undefined) record.onBehalfOf = trust.onBehalfOf;
}

/**
 * The text a changing JSON column holds: canonical, so a conditional update can compare the column with what the
 * engine read (same value, same text).
 */
export function progressText(value: Quorum | Escalation | undefined): string | null {
  return value === undefined ? null : canonicalJson(value);
}

/** When an escalation is still to happen, its time in ms. */
export function escalateAtOf(record: ApprovalRecord): number | null {
  const escalation = record.escalation;
  return escalation && escalation.escalatedAt === undefined ? Date.parse(escalation.escalateAt) : null;
}

export interface AuditRow {
  seq: number;
  at: string;
  type: AuditType;
  request_id: string | null;
  queue: string | null;
  actor: string;
  data: string;
  state_hash: string | null;
  prev_hash: string;
  hash: string;
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A decision as stored: its arguments only when a reviewer changed them; otherwise they are the row's own
 * (one copy of the arguments instead of two).
 */
export function decisionText(decision: Decision): string {
  return JSON.stringify(decision.modified ? decision : { ...decision, args: undefined });
}

export function toRecord(row: ApprovalRow): ApprovalRecord {
  const args = JSON.parse(row.args) as ApprovalRecord['args'];
  const record: ApprovalRecord = {
    requestId: row.request_id,
    status: row.status,
    toolName: row.tool_name,
    args,
    // Rows from before identities were stored keep the principal id as the name.
    agent: { id: row.principal_id, name: row.principal_name ?? row.principal_id },
    agentName: row.agent_name,
    runId: row.run_id,
    queue: row.queue,
    createdAt: isoOf(row.created_at),
    expiresAt: isoOf(row.expires_at),
  };
  if (row.conversation_id !== null) record.conversationId = row.conversation_id;
  if (row.description !== null) record.description = row.description;
  if (row.trust !== null) assignTrust(record, row.trust);
  if (row.quorum) record.quorum = JSON.parse(row.quorum) as Quorum;
  if (row.escalation) record.escalation = JSON.parse(row.escalation) as Escalation;
  if (row.decision !== null) {
    const decision = JSON.parse(row.decision) as Decision;
    record.decision = { ...decision, args: decision.args ?? args };
  }
  if (row.decided_at !== null) record.resolvedAt = isoOf(row.decided_at);
  return record;
}

/** The columns a record is stored in (named parameters for the insert). */
export function rowParams(record: ApprovalRecord, principalId: string, requestHash: string) {
  return {
    requestId: record.requestId,
    principalId,
    principalName: record.agent.name,
    requestHash,
    status: record.status,
    toolName: record.toolName,
    args: JSON.stringify(record.args),
    agentName: record.agentName,
    runId: record.runId,
    conversationId: record.conversationId ?? null,
    description: record.description ?? null,
    queue: record.queue,
    createdAt: Date.parse(record.createdAt),
    expiresAt: Date.parse(record.expiresAt),
    decision: record.decision ? decisionText(record.decision) : null,
    trust: trustText(record),
    decidedAt: record.resolvedAt !== undefined ? Date.parse(record.resolvedAt) : record.decision ? Date.parse(record.decision.decidedAt) : null,
    quorum: progressText(record.quorum),
    escalation: progressText(record.escalation),
    escalateAt: record.status === 'pending' ? escalateAtOf(record) : null,
  };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    requestId: row.request_id,
    queue: row.queue,
    actor: JSON.parse(row.actor) as AuditActor,
    data: JSON.parse(row.data) as unknown,
    stateHash: row.state_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function toChainedRow(row: AuditRow): ChainedAuditRow {
  return {
    seq: row.seq,
    at: row.at,
    type: row.type,
    requestId: row.request_id,
    queue: row.queue,
    actor: row.actor,
    data: row.data,
    stateHash: row.state_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The stored values the audit chain commits to, in a fixed order (everything but the row's position). */
export function stateValues(row: ApprovalRow): StoredValue[] {
  const values: StoredValue[] = [
    row.request_id,
    row.principal_id,
    row.principal_name,
    row.request_hash,
    row.status,
    row.tool_name,
    row.args,
    row.agent_name,
    row.run_id,
    row.conversation_id,
    row.description,
    row.queue,
    row.created_at,
    row.expires_at,
    row.decision,
  ];
  // Rows from before v3 (no trust column) hash exactly as before, so older chains still verify.
  if (row.trust !== null) values.push(row.trust, row.decided_at);
  // Rows without quorum or escalation (every row before them) hash as before too.
  if (row.quorum !== null || row.escalation !== null) values.push(row.quorum, row.escalation);
  return values;
}

/** Bytes a row adds to a response, roughly: its stored text. Enough for a budget. */
export function rowBytes(row: ApprovalRow): number {
  // Every text column counts (args, proposal, decision, ...), in UTF-8 bytes, plus room for the record's own keys.
  let bytes = 300;
  for (const value of Object.values(row)) if (typeof value === 'string') bytes += Buffer.byteLength(value);
  return bytes;
}

/**
 * Reads rows until the page is full or the next row would take its stored size past the budget (issue #24: the
 * page is cut AT the budget). The first row always goes, so a reader makes progress past one oversized record.
 */
export function budgeted(rows: Iterable<ApprovalRow>, limit: number, maxBytes: number): { rows: ApprovalRow[]; more: boolean } {
  const taken: ApprovalRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = rowBytes(row);
    if (taken.length === limit || (taken.length > 0 && bytes + size > maxBytes)) return { rows: taken, more: true };
    taken.push(row);
    bytes += size;
  }
  return { rows: taken, more: false };
}
