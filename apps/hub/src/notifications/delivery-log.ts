import type { NotificationDelivery, NotificationDeliveryPage, NotificationDeliveryQuery } from '@approval-hub/protocol';
import type { Clock } from '../runtime/clock.js';
import { toIso } from '../runtime/clock.js';
import { fitToBudget, jsonBytes } from '../engine/page-budget.js';
import type { OutboxRow, OutboxStore } from '../store/outbox-store.js';

export function toDelivery(row: OutboxRow): NotificationDelivery {
  const iso = (ms: number | null) => (ms === null ? null : toIso(ms));
  return {
    id: row.id,
    channel: row.channel,
    kind: row.kind,
    event: row.event,
    requestId: row.requestId,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    createdAt: toIso(row.createdAt),
    nextAttemptAt: row.status === 'pending' ? toIso(row.dueAt) : null,
    lastAttemptAt: iso(row.lastAttemptAt),
    lastError: row.lastError,
    deliveredAt: iso(row.deliveredAt),
  };
}

/** The admin's view of the outbox: the delivery log, and redelivery of one entry. */
export class DeliveryLog {
  constructor(
    private readonly store: OutboxStore,
    private readonly clock: Clock,
    private readonly wake: () => void,
  ) {}

  /** One page, newest first, cut at `maxBytes` of JSON (then `nextCursor` continues after the last entry sent). */
  async list(query: NotificationDeliveryQuery, maxBytes: number): Promise<NotificationDeliveryPage> {
    const page = await this.store.listOutbox({ status: query.status, channel: query.channel, requestId: query.requestId, limit: query.limit, before: query.cursor === undefined ? undefined : Number(query.cursor) });
    const rows = page.items.map((row) => ({ row, delivery: toDelivery(row) }));
    const { kept, cut } = fitToBudget(rows, maxBytes, ({ delivery }) => jsonBytes(delivery));
    const next = cut ? kept.at(-1)!.row.position : page.next;
    return { items: kept.map(({ delivery }) => delivery), nextCursor: next === null ? null : String(next) };
  }

  /** Sends the entry again now, with the same `webhook-id` and a fresh retry period; null when there is none. */
  async redeliver(id: string): Promise<NotificationDelivery | null> {
    const row = await this.store.redeliverOutbox(id, this.clock.now());
    if (row) this.wake();
    return row && toDelivery(row);
  }
}
