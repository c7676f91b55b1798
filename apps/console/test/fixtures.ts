import type { ApprovalRecord, DecidedBy, QueueSnapshot } from '@approval-hub/protocol';
import { createConsoleStore } from '../src/store/consoleStore';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A settable local clock for the store. */
export function fakeClock(start = T0) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

let counter = 0;

/**
 * A pending record. Unless `agent` is given, the token's principal has the same name as the label
 * (an honest agent); pass both to make an agent claim another name.
 */
export function pending(overrides: Partial<ApprovalRecord> & { createdMs?: number; timeoutMs?: number } = {}): ApprovalRecord {
  const { createdMs = T0, timeoutMs = 120_000, ...rest } = overrides;
  const label = rest.agentName ?? 'deploy-bot';
  counter++;
  return {
    requestId: `req-${counter}`,
    status: 'pending',
    toolName: 'shell.exec',
    args: { command: `echo ${counter}` },
    agent: { id: `agent-${label}`, name: label },
    agentName: label,
    runId: `run-${counter}`,
    queue: 'default',
    createdAt: iso(createdMs),
    expiresAt: iso(createdMs + timeoutMs),
    ...rest,
  };
}

export function decided(
  record: ApprovalRecord,
  status: 'approved' | 'denied' | 'expired' | 'cancelled',
  decidedBy: DecidedBy = { kind: 'reviewer', id: 'rev-2', name: 'Bob' },
  extra: { reason?: string; args?: ApprovalRecord['args']; at?: number } = {},
): ApprovalRecord {
  if (status === 'cancelled') return { ...record, status };
  const at = extra.at ?? T0 + 5_000;
  return {
    ...record,
    status,
    decision: {
      approved: status === 'approved',
      args: extra.args ?? record.args,
      modified: extra.args !== undefined,
      decidedBy: status === 'expired' ? { kind: 'timeout' } : decidedBy,
      decidedAt: iso(at),
      ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    },
  };
}

export function snapshot(pendingRecords: ApprovalRecord[], serverMs = T0, nextCursor: string | null = null): QueueSnapshot {
  return { pending: pendingRecords, serverTime: iso(serverMs), queues: null, nextCursor };
}

export const ME = { id: 'rev-1', name: 'Alice', role: 'reviewer' as const, queues: null };

/** A fresh store, signed in, synced with `records` (local and hub clocks agree unless `serverMs` says otherwise). */
export function syncedStore(records: ApprovalRecord[] = [], options: { serverMs?: number } = {}) {
  const clock = fakeClock();
  const store = createConsoleStore({ now: clock.now });
  store.getState().signIn('token-1');
  store.getState().setPrincipal(ME);
  store.getState().applySnapshot(snapshot(records, options.serverMs ?? T0), { sentAt: T0, receivedAt: T0 });
  return { store, clock };
}

export const ids = (store: ReturnType<typeof createConsoleStore>) => [...store.getState().visibleIds];
