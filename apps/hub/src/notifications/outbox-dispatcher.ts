import type { Clock } from '../runtime/clock.js';
import type { Logger } from '../runtime/logger.js';
import type { OutboxRow, OutboxStore } from '../store/outbox-store.js';
import { EVERYTHING, type ApprovalStore } from '../store/store.js';
import { PermanentDeliveryError, type DeliveryResult } from './delivery-errors.js';
import type { NotificationChannel, NotificationsConfig } from './notifications-config.js';

/** Sends one row on its channel; throws to retry (or PermanentDeliveryError to give up). */
export type ChannelSend = (row: OutboxRow, channel: NotificationChannel, config: NotificationsConfig) => Promise<DeliveryResult>;

export interface OutboxDispatcherOptions {
  store: Pick<ApprovalStore, 'getRequest'> & OutboxStore;
  clock: Clock;
  log: Logger;
  notifications: () => NotificationsConfig | undefined;
  send: ChannelSend;
}

/** Rows one claim takes. */
const CLAIM_BATCH = 25;

/**
 * The next try after a failed attempt: exponential from `backoffBaseMs`, capped at `backoffMaxMs`, with jitter (a
 * random point in the upper half) so a receiver coming back is not hit by every hub's retries at once. Null when
 * that would fall after the retry period: the row is dead.
 */
export function nextAttemptAt(row: OutboxRow, now: number, delivery: NotificationsConfig['delivery'], random = Math.random): number | null {
  const exponential = delivery.backoffBaseMs * 2 ** Math.min(row.attempts - 1, 40);
  const delay = Math.min(delivery.backoffMaxMs, exponential);
  const next = now + Math.round(delay / 2 + (random() * delay) / 2);
  return next > row.windowStart + delivery.retryForMs ? null : next;
}

/**
 * Drains the durable outbox: claims due rows (leased, so no other node sends them meanwhile), sends each, and
 * settles it delivered, retrying later, skipped or dead. Rows of one request to one recipient go in order (a Slack
 * update after its message); different ones go in parallel. Runs on a poll and whenever new rows may be due.
 */
export class OutboxDispatcher {
  readonly #options: OutboxDispatcherOptions;
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(options: OutboxDispatcherOptions) {
    this.#options = options;
  }

  start(): void {
    const config = this.#options.notifications();
    if (!config || this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => this.wake(), config.delivery.pollIntervalMs);
    this.#timer.unref();
    this.wake();
  }

  /** Looks for due rows now (after a commit that may have added some). */
  wake(): void {
    if (this.#stopped || !this.#options.notifications()) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain()
      .catch((error: unknown) => this.#options.log.error({ err: error }, 'notification outbox: claiming failed; retrying at the next poll'))
      .finally(() => {
        this.#draining = null;
      });
  }

  /** Stops polling and waits for attempts under way (each bounded by `delivery.timeoutMs`) to settle. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    do {
      this.#again = false;
      const config = this.#options.notifications();
      if (!config || this.#stopped) return;
      // A lease long enough for the slowest attempt of a whole batch group, so it is never sent twice at once.
      const leaseMs = config.delivery.timeoutMs * 3 + 5_000;
      const rows = await this.#options.store.claimOutbox({ now: this.#options.clock.now(), limit: CLAIM_BATCH, leaseMs });
      const groups = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const key = `${row.requestId}\u0000${row.channel}\u0000${row.target ?? ''}`;
        groups.set(key, [...(groups.get(key) ?? []), row]);
      }
      await Promise.all(
        [...groups.values()].map(async (group) => {
          for (const row of group) await this.#deliver(row, config);
        }),
      );
      if (rows.length === CLAIM_BATCH) this.#again = true;
    } while (this.#again && !this.#stopped);
  }

  async #deliver(row: OutboxRow, config: NotificationsConfig): Promise<void> {
    const { store, clock, log } = this.#options;
    const settle = (outcome: 'delivered' | 'retry' | 'dead' | 'skipped', extra: { nextAttemptAt?: number; error?: string; response?: string } = {}) =>
      store.settleOutbox({ id: row.id, attempt: row.attempts, at: clock.now(), outcome, ...extra });
    const logged = { event: 'notification.delivery', id: row.id, channel: row.channel, kind: row.kind, notification: row.event, requestId: row.requestId, attempt: row.attempts };
    try {
      if (row.onlyIfPending) {
        const stored = await store.getRequest(row.requestId, EVERYTHING);
        if (stored?.record.status !== 'pending') {
          await settle('skipped', { error: 'the request was no longer pending' });
          return;
        }
      }
      const channel = config.channels.find((c) => c.name === row.channel && c.kind === row.kind);
      if (!channel) throw new PermanentDeliveryError(`no ${row.kind} channel named "${row.channel}" is configured any more`);
      const result = await this.#options.send(row, channel, config);
      if (result.skipped) await settle('skipped');
      else await settle('delivered', result.response === undefined ? {} : { response: result.response });
      log.info({ ...logged, outcome: result.skipped ? 'skipped' : 'delivered' }, 'notification sent');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const next = error instanceof PermanentDeliveryError ? null : nextAttemptAt(row, clock.now(), config.delivery);
      try {
        if (next === null) await settle('dead', { error: message });
        else await settle('retry', { nextAttemptAt: next, error: message });
      } catch (settleError) {
        // The lease runs out and the row is claimed again: sent at least once more, never lost.
        log.error({ ...logged, err: settleError }, 'notification outbox: could not record an attempt');
      }
      log.warn({ ...logged, outcome: next === null ? 'dead' : 'retry', error: message, ...(next !== null && { nextAttemptAt: new Date(next).toISOString() }) }, next === null ? 'notification failed for good (dead letter)' : 'notification failed; will retry');
    }
  }
}
