import { randomBytes } from 'node:crypto';
import type { ApprovalRecord } from '@approval-hub/protocol';
import type { OutboxEntry, OutboxEvent } from '../store/outbox-store.js';
import type { NotificationChannel, NotificationRoute, NotificationsConfig } from './notifications-config.js';

/** The body every channel's row carries (a webhook sends it as it is): `{ type, timestamp, data: <record> }`. */
export interface NotificationBody {
  type: 'approval.requested' | 'approval.resolved';
  timestamp: string;
  data: ApprovalRecord;
}

/** A Standard Webhooks message id: stable across the retries of one delivery. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

function matches(route: NotificationRoute, record: ApprovalRecord): boolean {
  const { queue, toolName, agentName } = route.match;
  return (queue === undefined || queue === record.queue) && (toolName === undefined || toolName === record.toolName) && (agentName === undefined || agentName === record.agentName);
}

/** The rows one channel gets for one event: email fans out to one row per recipient (each mail has its own links). */
function entriesFor(channel: NotificationChannel, event: OutboxEvent, body: NotificationBody, requestId: string, at: number, dueAt: number): OutboxEntry[] {
  // An escalation, or a mail asking for a decision, is pointless once the request is decided: skipped then.
  const onlyIfPending = event === 'approval.escalated' || channel.kind === 'email';
  const base = { channel: channel.name, kind: channel.kind, event, requestId, payload: JSON.stringify(body), dueAt, onlyIfPending, createdAt: at };
  if (channel.kind === 'email') return channel.to.map((recipient) => ({ ...base, id: newMessageId(), target: recipient.address }));
  return [{ ...base, id: newMessageId(), target: null }];
}

/**
 * What to queue for a new request: its channels now, and each escalation channel at the earliest `escalateAfterMs`
 * of the routes naming it (sent then only if the request is still pending).
 */
export function requestedNotifications(config: NotificationsConfig | undefined, record: ApprovalRecord): OutboxEntry[] {
  if (!config) return [];
  const at = Date.parse(record.createdAt);
  const routes = config.routes.filter((route) => matches(route, record));
  const now = new Set(routes.flatMap((r) => r.channels));
  const escalations = new Map<string, number>();
  for (const route of routes) {
    for (const name of route.escalateTo ?? []) escalations.set(name, Math.min(escalations.get(name) ?? Infinity, at + route.escalateAfterMs!));
  }
  const body: NotificationBody = { type: 'approval.requested', timestamp: record.createdAt, data: record };
  const entries: OutboxEntry[] = [];
  for (const channel of config.channels) {
    if (now.has(channel.name) && (channel.kind !== 'webhook' || channel.events.includes('approval.requested'))) {
      entries.push(...entriesFor(channel, 'approval.requested', body, record.requestId, at, at));
    }
    const escalateAt = escalations.get(channel.name);
    if (escalateAt !== undefined && (channel.kind !== 'webhook' || channel.events.includes('approval.requested'))) {
      entries.push(...entriesFor(channel, 'approval.escalated', body, record.requestId, at, escalateAt));
    }
  }
  return entries;
}

/**
 * What to queue when a request leaves `pending`: webhooks that subscribe to `approval.resolved`, and every Slack
 * channel that may have posted the request (its message is updated). `wasPending`: false for a request a policy
 * decided on arrival, which no Slack message announced.
 */
export function resolvedNotifications(config: NotificationsConfig | undefined, record: ApprovalRecord, at: number, wasPending: boolean): OutboxEntry[] {
  if (!config) return [];
  const routes = config.routes.filter((route) => matches(route, record));
  const direct = new Set(routes.flatMap((r) => r.channels));
  const escalated = new Set(routes.flatMap((r) => r.escalateTo ?? []));
  const body: NotificationBody = { type: 'approval.resolved', timestamp: record.resolvedAt ?? record.decision?.decidedAt ?? new Date(at).toISOString(), data: record };
  const entries: OutboxEntry[] = [];
  for (const channel of config.channels) {
    if (channel.kind === 'webhook' && direct.has(channel.name) && channel.events.includes('approval.resolved')) {
      entries.push(...entriesFor(channel, 'approval.resolved', body, record.requestId, at, at));
    }
    if (channel.kind === 'slack' && wasPending && (direct.has(channel.name) || escalated.has(channel.name))) {
      entries.push(...entriesFor(channel, 'approval.resolved', body, record.requestId, at, at));
    }
  }
  return entries;
}
