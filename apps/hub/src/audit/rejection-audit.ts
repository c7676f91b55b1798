import type { AuditActor, Principal } from '@approval-hub/protocol';
import { auditEvent, type AuditEvent, type AuditPayloads } from './audit-events.js';
import type { Clock } from '../runtime/clock.js';
import { toIso } from '../runtime/clock.js';
import { actorOf } from '../engine/access.js';
import type { Logger } from '../runtime/logger.js';
import { KeyedRateLimiter } from '../limits/rate-limiter.js';
import type { ApprovalStore } from '../store/store.js';

export interface Rejection {
  actor: AuditActor;
  /** Who to count against (a principal id, or a remote address before authentication). */
  key: string;
  channel: string;
  code: string;
  message: string;
}

/**
 * Audits refused attempts against the principal that made them, never in the timeline of a request it may not see,
 * at most a few rows a minute per sender so a flood cannot flood the audit log; the rows that were skipped are
 * counted into the next one that is written.
 */
export class RejectionAuditor {
  readonly #limiter = new KeyedRateLimiter(10 / 60, 10);
  readonly #suppressed = new Map<string, number>();

  constructor(
    private readonly store: ApprovalStore,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  /** Input that failed validation, a size or rate limit, or an unknown event. */
  record(rejection: Rejection): void {
    // biome-ignore lint/complexity/noVoid: #write never rejects (a failed audit write is logged there).
    void this.#write(rejection.key, { event: 'input.rejected', key: rejection.key, channel: rejection.channel, code: rejection.code }, rejection.message, (suppressed) =>
      auditEvent('input_rejected', null, null, rejection.actor, {
        channel: rejection.channel,
        code: rejection.code,
        message: rejection.message,
        ...(suppressed ? { suppressedSinceLast: suppressed } : {}),
      }),
    );
  }

  /** A well-formed request the hub refused (over a quota). */
  refused(principal: Principal, channel: string, code: string, message: string): void {
    this.record({ actor: actorOf(principal), key: principal.id, channel, code, message });
  }

  /**
   * A decision that lost or came too late. `requestId` only when the reviewer may see the request: a decision on a
   * request outside its queues is recorded against the reviewer alone.
   */
  rejectedDecision(principal: Principal, requestId: string | null, queue: string | null, data: AuditPayloads['decision_rejected']): Promise<void> {
    // Counted per reviewer and request: one request's timeline cannot be flooded, while every loser of a race on a
    // fresh request is still recorded.
    const key = requestId === null ? principal.id : `${principal.id}\u0000${requestId}`;
    return this.#write(key, { event: 'decision.rejected', key: principal.id, code: data.code }, 'decision refused', (suppressed) =>
      auditEvent('decision_rejected', requestId, queue, actorOf(principal), { ...data, ...(suppressed ? { suppressedSinceLast: suppressed } : {}) }),
    );
  }

  /** Resolves once the row is committed (or skipped); never rejects: a failed audit write is logged. */
  #write(key: string, fields: Record<string, unknown>, message: string, event: (suppressed: number) => AuditEvent): Promise<void> {
    if (!this.#limiter.take(key)) {
      // The same limit keeps a flood out of the logs: the rest go to debug.
      this.log.debug(fields, message);
      this.#suppressed.set(key, (this.#suppressed.get(key) ?? 0) + 1);
      return Promise.resolve();
    }
    this.log.warn(fields, message);
    const suppressed = this.#suppressed.get(key) ?? 0;
    this.#suppressed.delete(key);
    return this.store.appendAudit([event(suppressed)], toIso(this.clock.now())).catch((error: unknown) => this.log.error({ err: error }, 'could not audit a rejected attempt'));
  }
}
