import { ApprovalRecord, type Challenge, type JsonValue } from '@approval-hub/protocol';

/** A pending record with just what the matchers read, for unit tests of the engine's pure rule functions. */
export function recordOf(fields: { toolName?: string; args?: Record<string, JsonValue>; onBehalfOf?: string; challenges?: Challenge[]; agentId?: string; queue?: string } = {}): ApprovalRecord {
  return ApprovalRecord.parse({
    requestId: 'req-1',
    status: 'pending',
    toolName: fields.toolName ?? 'read_file',
    args: fields.args ?? {},
    agent: { id: fields.agentId ?? 'test-agent', name: 'Test agent' },
    agentName: 'Test agent',
    runId: 'run-1',
    queue: fields.queue ?? 'default',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T01:00:00.000Z',
    ...(fields.onBehalfOf !== undefined && { onBehalfOf: fields.onBehalfOf }),
    ...(fields.challenges !== undefined && { challenges: fields.challenges }),
  });
}
