import type { StorePage } from './store.js';

/** What a notification reports: a new request, its resolution, or an escalation (nobody decided in time). */
export type OutboxEvent = 'approval.requested' | 'approval.resolved' | 'approval.escalated';
export type OutboxChannelKind = 'webhook' | 'email' | 'slack';
/** `pending`: waiting or retrying. `skipped`: no longer needed (an escalation for a request already decided). */
export type OutboxStatus = 'pending' | 'delivered' | 'dead' | 'skipped';
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'delivered', 'dead', 'skipped'];

/** One notification to send, written in the same transaction as the request or decision it reports. */
export interface OutboxEntry {
  /** Stable across retries: the webhook's `webhook-id`. */
  id: string;
  channel: string;
  kind: OutboxChannelKind;
  event: OutboxEvent;
  requestId: string;
  /** The recipient within the channel (an email address), or null. */
  target: string | null;
  /** JSON text, fixed at the time of the event (for a webhook: the exact body it sends). */
  payload: string;
  /** Epoch ms of the first attempt (later than `createdAt` for escalations). */
  dueAt: number;
  /** Send only while the request is still pending (escalations); otherwise the row ends `skipped`. */
  onlyIfPending: boolean;
  createdAt: number;
}

export interface OutboxRow extends OutboxEntry {
  /** Insertion order; the delivery log's paging position. */
  position: number;
  status: OutboxStatus;
  attempts: number;
  /** Epoch ms the retry period counts from: the first due time, or the last manual redelivery. */
  windowStart: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  deliveredAt: number | null;
  /** What the receiver answered that later notifications need (Slack: the message's channel and ts, as JSON). */
  response: string | null;
}

export interface OutboxClaim {
  now: number;
  limit: number;
  /** A claimed row is invisible to other claimers (on any node) until `now + leaseMs`, unless settled before. */
  leaseMs: number;
}

export interface OutboxSettle {
  id: string;
  /** The `attempts` value the claim returned: a stale claimer (lease lost, row redelivered) settles nothing. */
  attempt: number;
  at: number;
  outcome: 'delivered' | 'retry' | 'dead' | 'skipped';
  /** For `retry`: when to try again. */
  nextAttemptAt?: number | undefined;
  error?: string | undefined;
  response?: string | undefined;
}

export interface OutboxQuery {
  status?: OutboxStatus | undefined;
  channel?: string | undefined;
  requestId?: string | undefined;
  limit: number;
  /** Newest first: continue below this position. */
  before?: number | undefined;
}

/** The durable notification outbox; part of every store (rows are added with `InsertRequest.outbox`/`Transition.outbox`). */
export interface OutboxStore {
  /** Takes up to `limit` due rows and leases them (PostgreSQL: FOR UPDATE SKIP LOCKED, so nodes never share a row). */
  claimOutbox(input: OutboxClaim): Promise<OutboxRow[]>;
  /** Records an attempt's outcome; false when the claim was stale (nothing written). */
  settleOutbox(input: OutboxSettle): Promise<boolean>;
  /** Sends a row again from now, whatever its status, with a fresh retry period; null when there is no such row. */
  redeliverOutbox(id: string, now: number): Promise<OutboxRow | null>;
  listOutbox(query: OutboxQuery): Promise<StorePage<OutboxRow>>;
  /** The rows one request produced for one channel, oldest first. */
  outboxOf(requestId: string, channel: string): Promise<OutboxRow[]>;
  outboxCounts(): Promise<Record<OutboxStatus, number>>;
}
