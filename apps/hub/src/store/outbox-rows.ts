import type { OutboxChannelKind, OutboxEntry, OutboxEvent, OutboxRow, OutboxStatus } from './outbox-store.js';

/** The `outbox` table's columns, the same on every SQL store. */
export interface OutboxDbRow {
  seq: number;
  id: string;
  channel: string;
  kind: OutboxChannelKind;
  event: OutboxEvent;
  request_id: string;
  target: string | null;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  due_at: number;
  only_if_pending: number | boolean;
  created_at: number;
  window_start: number;
  locked_until: number;
  last_attempt_at: number | null;
  last_error: string | null;
  delivered_at: number | null;
  response: string | null;
}

export function toOutboxRow(row: OutboxDbRow): OutboxRow {
  return {
    position: row.seq,
    id: row.id,
    channel: row.channel,
    kind: row.kind,
    event: row.event,
    requestId: row.request_id,
    target: row.target,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    dueAt: row.due_at,
    onlyIfPending: row.only_if_pending === true || row.only_if_pending === 1,
    createdAt: row.created_at,
    windowStart: row.window_start,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    deliveredAt: row.delivered_at,
    response: row.response,
  };
}

/** Insert parameters, in the column order of `OUTBOX_INSERT_COLUMNS`. */
export function outboxInsertValues(entry: OutboxEntry): unknown[] {
  return [entry.id, entry.channel, entry.kind, entry.event, entry.requestId, entry.target, entry.payload, entry.dueAt, entry.onlyIfPending, entry.createdAt, entry.dueAt];
}

export const OUTBOX_INSERT_COLUMNS = 'id, channel, kind, event, request_id, target, payload, due_at, only_if_pending, created_at, window_start';

/** Error text kept in the delivery log: bounded, so a receiver's long answer cannot bloat the table. */
export function boundedError(error: string | undefined): string | null {
  if (error === undefined) return null;
  return error.length > 500 ? `${error.slice(0, 500)}…` : error;
}
