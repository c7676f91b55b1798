import type { AuditActor } from '@approval-hub/protocol';
import type { Logger } from './logger.js';
import { KeyedRateLimiter } from './rate-limiter.js';
import type { ApprovalStore } from './store/store.js';

export interface Rejection {
  actor: AuditActor;
  /** Who to count against (a principal id, or a remote address before authentication). */
  key: string;
  channel: string;
  code: string;
  message: string;
  requestId?: string | null;
}

/**
 * Audits refused input, at most a few rows a minute per sender so a flood cannot flood the audit log;
 * the rows that were skipped are counted into the next one that is written.
 */
export class RejectionAuditor {
  readonly #limiter = new KeyedRateLimiter(10 / 60, 10);
  readonly #suppressed = new Map<string, number>();

  constructor(
    private readonly store: ApprovalStore,
    private readonly log: Logger,
  ) {}

  record(rejection: Rejection): void {
    const fields = { event: 'input.rejected', key: rejection.key, channel: rejection.channel, code: rejection.code };
    if (!this.#limiter.take(rejection.key)) {
      // The same limit keeps a flood out of the logs: the rest go to debug.
      this.log.debug(fields, rejection.message);
      this.#suppressed.set(rejection.key, (this.#suppressed.get(rejection.key) ?? 0) + 1);
      return;
    }
    this.log.warn(fields, rejection.message);
    const suppressed = this.#suppressed.get(rejection.key) ?? 0;
    this.#suppressed.delete(rejection.key);
    this.store
      .appendAudit('input_rejected', {
        actor: rejection.actor,
        requestId: rejection.requestId ?? null,
        data: { channel: rejection.channel, code: rejection.code, message: rejection.message, ...(suppressed ? { suppressedSinceLast: suppressed } : {}) },
      })
      .catch((error: unknown) => this.log.error({ err: error }, 'could not audit a rejected input'));
  }
}
