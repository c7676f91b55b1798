import type { ApprovalRecord } from '@approval-hub/protocol';
import { auditEvent } from '../../src/audit/audit-events.js';
import type { InsertRequest, Quota, Transition } from '../../src/store/store.js';

const BASE = Date.UTC(2026, 10, 22, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
let made = 0;

/** A pending request as the engine would hand it to a store, with its `requested` audit event. */
export function pendingInsert(options: { principalId?: string; queue?: string; quota?: Quota | null; args?: ApprovalRecord['args'] } = {}): InsertRequest {
  made++;
  const principalId = options.principalId ?? 'agent-a';
  const record: ApprovalRecord = {
    requestId: `pg-${process.pid}-${made}`,
    status: 'pending',
    toolName: 'delete_pod',
    args: options.args ?? { name: `web-${made}` },
    agent: { id: principalId, name: principalId },
    agentName: principalId,
    runId: 'run-1',
    queue: options.queue ?? 'default',
    createdAt: iso(BASE),
    expiresAt: iso(BASE + 60_000),
  };
  return {
    record,
    principalId,
    requestHash: `hash-${record.requestId}`,
    deliver: false,
    quota: options.quota ?? null,
    audit: [auditEvent('requested', record.requestId, record.queue, { kind: 'agent', id: principalId, name: principalId }, { toolName: record.toolName, agentName: record.agentName, runId: record.runId, args: record.args, expiresAt: record.expiresAt })],
  };
}

/** A reviewer's decision on `record`, queued for delivery to the agent that asked. */
export function decision(record: ApprovalRecord, reviewer: string): Transition {
  const at = iso(BASE + 1000);
  return {
    requestId: record.requestId,
    record: { ...record, status: 'approved', decision: { approved: true, args: record.args, modified: false, decidedBy: { kind: 'reviewer', id: reviewer, name: reviewer }, decidedAt: at } },
    deliverTo: record.agent.id,
    at,
    audit: [auditEvent('decided', record.requestId, record.queue, { kind: 'reviewer', id: reviewer, name: reviewer }, { approved: true, modified: false })],
  };
}
