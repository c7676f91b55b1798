import type { ApprovalCancelled, ApprovalRecord, Grant } from '@approval-hub/protocol';
import type { Logger } from '../runtime/logger.js';

/** Where a change was made: by this process, or by another hub process sharing the database. */
export type ChangeOrigin = 'here' | 'elsewhere';

export interface EngineEvents {
  /**
   * A new pending request, committed here or by another node (heard from its change notice; each node shows its own
   * reviewers what every node committed, so this does not travel through the Socket.IO adapter).
   */
  requested: (record: ApprovalRecord, origin: ChangeOrigin) => void;
  /** A request left `pending` (decision, policy, timeout or cancel), committed here or by another node. */
  resolved: (record: ApprovalRecord, principalId: string, origin: ChangeOrigin) => void;
  /** Another node's changes may have been missed: re-read what is waiting (undelivered decisions, long-polls). */
  resync: () => void;
  /** A request was cancelled, committed: `principalId` is the agent that asked (its other processes stop waiting). */
  cancelled: (notice: ApprovalCancelled, principalId: string) => void;
  /** Retention removed this many decided requests (one batch), committed. */
  purged: (count: number) => void;
  /** A pending request changed and stays pending (an approval toward its quorum), committed here. */
  updated: (record: ApprovalRecord) => void;
  /** An escalation moved a pending request from `fromQueue` to `record.queue`, committed here. */
  moved: (record: ApprovalRecord, fromQueue: string) => void;
  grantCreated: (grant: Grant) => void;
  grantUsed: (grant: Grant) => void;
  grantRevoked: (grant: Grant) => void;
}

type Listeners = { [K in keyof EngineEvents]: EngineEvents[K][] };

/** The engine's listeners: a failing listener is logged and never stops the others (nor the write that caused it). */
export class EngineEmitter {
  readonly #listeners: Listeners = { requested: [], resolved: [], resync: [], cancelled: [], purged: [], updated: [], moved: [], grantCreated: [], grantUsed: [], grantRevoked: [] };

  constructor(private readonly log: Logger) {}

  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): void {
    this.#listeners[event].push(listener);
  }

  emit<K extends keyof EngineEvents>(event: K, ...args: Parameters<EngineEvents[K]>): void {
    for (const listener of this.#listeners[event]) {
      try {
        (listener as (...a: Parameters<EngineEvents[K]>) => void)(...args);
      } catch (error) {
        this.log.error({ err: error, event }, 'engine listener failed');
      }
    }
  }
}
