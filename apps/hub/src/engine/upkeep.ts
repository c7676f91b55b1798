import { toIso } from '../runtime/clock.js';
import { StoreIntegrityError } from '../store/store.js';
import type { EngineCore } from './engine-core.js';
import { RetentionTimer } from './retention-timer.js';

export type Health = { ok: true } | { ok: false; reason: string };

/** The hub's housekeeping: whether it can do its job (health), and removing what retention lets go. */
export class Upkeep {
  readonly #retention: RetentionTimer;

  constructor(private readonly core: EngineCore) {
    this.#retention = new RetentionTimer({
      intervalMs: () => core.config.retention?.intervalMs ?? null,
      run: () => this.purgeDecided(),
      onError: (error) => core.log.error({ err: error }, 'retention purge failed; retrying at the next run'),
    });
  }

  start(): void {
    this.#retention.start();
  }

  stop(): void {
    this.#retention.stop();
  }

  /**
   * Purges requests resolved more than `retention.decidedAfterDays` ago, one short batch (one transaction) at a time,
   * yielding between batches so decisions and requests interleave. Returns how many went; 0 when retention is off.
   */
  async purgeDecided(): Promise<number> {
    let total = 0;
    for (;;) {
      const retention = this.core.config.retention;
      if (!retention) break;
      const now = this.core.clock.now();
      const resolvedBefore = now - retention.decidedAfterDays * 86_400_000;
      const ids = await this.core.store.purgeDecided({ resolvedBefore, limit: retention.batchSize, at: toIso(now) });
      if (ids.length > 0) this.core.events.emit('purged', ids.length);
      total += ids.length;
      if (ids.length < retention.batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (total > 0) this.core.log.info({ event: 'retention.purged', count: total }, 'purged decided requests past retention');
    await this.#purgeSpent();
    return total;
  }

  /** After the requests: the settled notifications and spent links they left behind, batch by batch. */
  async #purgeSpent(): Promise<void> {
    const removed = { outbox: 0, linkUses: 0 };
    for (;;) {
      const retention = this.core.config.retention;
      if (!retention) break;
      const before = this.core.clock.now() - retention.decidedAfterDays * 86_400_000;
      const batch = await this.core.store.purgeSpent({ before, limit: retention.batchSize });
      removed.outbox += batch.outbox;
      removed.linkUses += batch.linkUses;
      if (batch.outbox < retention.batchSize && batch.linkUses < retention.batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (removed.outbox + removed.linkUses > 0) this.core.log.info({ event: 'retention.purged_spent', ...removed }, 'purged settled notifications and spent links past retention');
  }

  /** Whether the hub can do its job: the database answers and takes writes, and is still the one it opened. */
  async health(): Promise<Health> {
    try {
      await this.core.store.ping();
      return { ok: true };
    } catch (error) {
      this.core.log.error({ err: error }, 'health check: database unavailable');
      return {
        ok: false,
        reason: error instanceof StoreIntegrityError ? 'the database was deleted, replaced or cut under the running hub' : 'database writes are failing',
      };
    }
  }
}
