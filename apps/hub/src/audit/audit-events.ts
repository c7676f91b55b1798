import type { DecisionChannel } from '../engine/decision-contract.js';
import type { AuditActor, AuditType, Grant, GrantEffect, JsonObject, RiskLevel, SuspiciousKind } from '@approval-hub/protocol';

/** The typed payload of each kind of audit row; the engine builds them, the store only serialises them. */
export interface AuditPayloads {
  requested: {
    toolName: string;
    agentName: string;
    runId: string;
    conversationId?: string | undefined;
    args: JsonObject;
    expiresAt: string;
    /** The effective risk and the agent's own, when there is one. */
    risk?: RiskLevel | undefined;
    agentRisk?: RiskLevel | undefined;
    /** The kinds of suspicious text found on arrival. */
    suspicious?: SuspiciousKind[] | undefined;
  };
  auto_approved: { reason?: string | undefined };
  auto_denied: { reason?: string | undefined };
  /** `via`: the channel the reviewer decided through (absent on rows written before channels were recorded). */
  decided: { approved: boolean; reason?: string | undefined; modified: boolean; args?: JsonObject | undefined; via?: DecisionChannel | undefined };
  decision_rejected: { approved: boolean; edited: boolean; reason?: string | undefined; code: string; attemptedRequestId?: string | undefined; suppressedSinceLast?: number };
  expired: { approved: boolean; reason?: string | undefined; expiresAt: string };
  cancelled: { reason?: string | undefined };
  delivered: Record<string, never>;
  input_rejected: { channel: string; code: string; message: string; suppressedSinceLast?: number };
  purged: { resolvedBefore: string; requestIds: string[] };
  grant_created: { grant: Grant };
  grant_used: { grantId: string; effect: GrantEffect; approved: boolean };
  grant_revoked: { grantId: string; effect: GrantEffect; fromRequestId: string };
  quorum_approved: { approvals: number; required: number; rule: string; modified: boolean; args?: JsonObject | undefined; reason?: string | undefined; via?: DecisionChannel | undefined };
  escalated: { fromQueue: string; toQueue: string; rule: string; afterMs: number };
}

/** One audit event as the engine hands it to the store; the store adds seq, time and the chain hashes. */
export type AuditEvent = {
  [T in AuditType]: {
    type: T;
    requestId: string | null;
    queue: string | null;
    actor: AuditActor;
    data: AuditPayloads[T];
  };
}[AuditType];

export function auditEvent<T extends AuditType>(type: T, requestId: string | null, queue: string | null, actor: AuditActor, data: AuditPayloads[T]): AuditEvent {
  return { type, requestId, queue, actor, data } as AuditEvent;
}

/**
 * The one row retention writes per purge: the requests it removed. `audit verify` reads it to stop expecting those
 * requests in the database. Every store builds it with this function, inside the purging transaction.
 */
export function purgedEvent(requestIds: string[], resolvedBefore: number): AuditEvent {
  return auditEvent('purged', null, null, { kind: 'hub' }, { resolvedBefore: new Date(resolvedBefore).toISOString(), requestIds });
}
