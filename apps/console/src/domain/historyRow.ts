import type { ApprovalRecord } from '@approval-hub/protocol';
import { claimedAgentName } from './agentIdentity';
import { describeDecider } from './decidedBy';

/** One decided request, flattened for the History table and the CSV export. */
export interface HistoryRow {
  readonly requestId: string;
  readonly status: string;
  readonly toolName: string;
  /** The authenticated agent (the token's principal). */
  readonly agent: string;
  readonly agentId: string;
  /** The label the agent gave itself when it differs from `agent`; '' when it does not. */
  readonly agentClaimedName: string;
  readonly queue: string;
  readonly decidedBy: string;
  readonly createdAt: string;
  readonly decidedAt: string;
  readonly reason: string;
  readonly edited: boolean;
  /** Milliseconds from request to decision; null when there was no decision (cancelled). */
  readonly timeToDecisionMs: number | null;
}

export function toHistoryRow(record: ApprovalRecord, myId: string | null): HistoryRow {
  const decision = record.decision;
  return {
    requestId: record.requestId,
    status: record.status,
    toolName: record.toolName,
    agent: record.agent.name,
    agentId: record.agent.id,
    agentClaimedName: claimedAgentName(record) ?? '',
    queue: record.queue,
    decidedBy: decision ? describeDecider(decision.decidedBy, myId) : record.status === 'cancelled' ? 'agent (cancelled)' : '',
    createdAt: record.createdAt,
    // When it left the queue (a cancellation has no decision, but has this time): what history sorts by.
    decidedAt: record.resolvedAt ?? decision?.decidedAt ?? '',
    reason: decision?.reason ?? '',
    edited: decision?.modified ?? false,
    timeToDecisionMs: decision ? Date.parse(decision.decidedAt) - Date.parse(record.createdAt) : null,
  };
}

/** `850 ms`, `12.4 s`, `3m 05s`. */
export function formatElapsed(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
