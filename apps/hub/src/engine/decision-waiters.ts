import type { ApprovalRecord } from '@approval-hub/protocol';

/** Long-poll waiters (`GET /api/approvals/:id/wait`), woken when their request leaves `pending`. */
export class DecisionWaiters {
  readonly #waiting = new Map<string, Set<(record: ApprovalRecord) => void>>();

  wait(requestId: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRecord | null> {
    return new Promise((resolve) => {
      let set = this.#waiting.get(requestId);
      if (!set) {
        set = new Set();
        this.#waiting.set(requestId, set);
      }
      const done = (record: ApprovalRecord | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(wake);
        if (set.size === 0) this.#waiting.delete(requestId);
        resolve(record);
      };
      const wake = (record: ApprovalRecord) => done(record);
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      set.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Whether a long-poll here waits for this request. */
  has(requestId: string): boolean {
    return this.#waiting.has(requestId);
  }

  resolve(record: ApprovalRecord): void {
    const set = this.#waiting.get(record.requestId);
    if (!set) return;
    for (const wake of [...set]) wake(record);
  }

  /** Re-reads every awaited request (after change notices may have been missed) and wakes those that left `pending`. */
  async recheck(settled: (requestId: string) => Promise<ApprovalRecord | null>): Promise<void> {
    for (const requestId of [...this.#waiting.keys()]) {
      const record = await settled(requestId);
      if (record) this.resolve(record);
    }
  }
}
