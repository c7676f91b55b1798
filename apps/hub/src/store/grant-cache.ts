import type { Grant } from '@approval-hub/protocol';
import { grantStatusOf, toGrant, type GrantRow } from './stored-grants.js';

/**
 * A node's copy of the grant rows of each queue, for the read every arrival makes (`liveGrants`). It is a hint, never
 * the authority: the insert that uses a grant re-checks it inside its own transaction (not revoked, not expired, under
 * its uses), so a grant revoked or used up on any node counts at once even while a copy here still lists it. What a
 * copy can miss is a grant made on another node, until that node's change notice arrives (it is sent at COMMIT, so
 * normally before the maker's own caller hears back).
 *
 * Only used while the store hears every change notice: `enabled(false)` drops everything, and a lost listening
 * connection disables the cache until it listens again. A read that overlaps an invalidation of its queue is not
 * kept (generation check), so a copy can never be older than the last invalidation it saw.
 */
export class GrantCache {
  readonly #byQueue = new Map<string, { rows: GrantRow[]; at: number }>();
  /** Bumped by every invalidation; a read started before one may not fill the cache. */
  #generation = 0;
  #enabled = false;

  enabled(on: boolean): void {
    this.#enabled = on;
    this.invalidateAll();
  }

  invalidate(queues: Iterable<string>): void {
    this.#generation++;
    for (const queue of queues) this.#byQueue.delete(queue);
  }

  invalidateAll(): void {
    this.#generation++;
    this.#byQueue.clear();
  }

  /**
   * The queue's live grants at `now`, from the copy, or read with `load` (the rows live at `now`) and kept, if nothing
   * changed meanwhile. A copy made at a later `now` than asked (a clock set back) is not used: it may lack a grant
   * that was already expired then.
   */
  async liveGrants(queue: string, now: number, load: (queue: string, now: number) => Promise<GrantRow[]>): Promise<Grant[]> {
    const copy = this.#enabled ? this.#byQueue.get(queue) : undefined;
    let rows = copy && copy.at <= now ? copy.rows : undefined;
    if (!rows) {
      const generation = this.#generation;
      rows = await load(queue, now);
      if (this.#enabled && generation === this.#generation) this.#byQueue.set(queue, { rows, at: now });
    }
    // Expiry is a matter of the engine's `now`, so it is applied on every read, not when the copy was made.
    return rows.filter((row) => grantStatusOf(row, now) === 'active').map((row) => toGrant(row, now));
  }
}
