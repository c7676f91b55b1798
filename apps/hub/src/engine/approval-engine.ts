import type { ApprovalRecord } from '@approval-hub/protocol';
import type { HubConfig } from '../config.js';
import type { ChangeInterest, RemoteChange } from '../store/store.js';
import { Arrival } from './arrival.js';
import { CursorCodec } from './cursors.js';
import { Deadlines } from './deadlines.js';
import { Decisions } from './decisions.js';
import { EngineCore, type EngineOptions } from './engine-core.js';
import type { EngineEvents } from './engine-events.js';
import { Grants } from './grants.js';
import { Reads } from './reads.js';
import { Upkeep } from './upkeep.js';

export type { EngineEvents } from './engine-events.js';

/** With other nodes on the database, re-read what is waiting this often, for any change notice that was missed. */
const CLUSTER_SWEEP_MS = 15_000;

/**
 * The approval rules, independent of transport and database: sockets and REST both call it and get an `Ack`; the
 * store only persists what it decides. Unexpected errors (a failing database) are thrown for the caller's boundary
 * to turn into `internal`.
 *
 * A facade over the engine's parts, each in its own module: `arrival` (intake), `decisions` (reviewers' decisions,
 * quorum, cancel), `deadlines` (expiry, escalation), `grants`, `reads` and `upkeep` (health, retention). It owns
 * their lifecycle and the watch on other nodes; everything else is delegated.
 */
export class ApprovalEngine {
  readonly #core: EngineCore;
  readonly #arrival: Arrival;
  readonly #decisions: Decisions;
  readonly #deadlines: Deadlines;
  readonly #grants: Grants;
  readonly #reads: Reads;
  readonly #upkeep: Upkeep;
  #unwatch: (() => void) | null = null;
  #sweep: NodeJS.Timeout | null = null;
  readonly #interests: ChangeInterest[] = [];

  constructor(options: EngineOptions) {
    this.#core = new EngineCore(options);
    this.#deadlines = new Deadlines(this.#core);
    this.#arrival = new Arrival(this.#core, this.#deadlines);
    this.#decisions = new Decisions(this.#core, this.#deadlines);
    this.#grants = new Grants(this.#core);
    this.#reads = new Reads(this.#core);
    this.#upkeep = new Upkeep(this.#core);
  }

  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): void {
    this.#core.events.on(event, listener);
  }

  /**
   * What a listener of `requested` or `resolved` needs from other nodes (a socket in the agent's room, a reviewer in
   * the queue's room, a long-poll on the request). Another node's change that no interest covers is neither read nor
   * emitted here: whoever starts waiting for it later reads the database (a connecting agent its undelivered
   * decisions, a subscribing reviewer the pending queue, a long-poll the record), as it would for a change missed
   * while it was away. With no interest declared at all, every change is read.
   */
  attend(interest: ChangeInterest): void {
    this.#interests.push(interest);
  }

  #wants(change: RemoteChange): boolean {
    return this.#interests.length === 0 || this.#interests.some((interest) => interest(change));
  }

  /** Expires what fell due while the hub was down, then keeps the deadline timer running. */
  async start(): Promise<void> {
    const core = this.#core;
    core.cursors = new CursorCodec(await core.store.secret());
    if (core.config.approval.defaultOnTimeout === 'approve') {
      core.log.warn(
        { event: 'config.dangerous', key: 'approval.defaultOnTimeout' },
        'approval.defaultOnTimeout is "approve": any request nobody decides in time is APPROVED. Prefer "deny".',
      );
    }
    await this.#deadlines.expireDue();
    // Escalations that fell due while the hub was down happen now, before anyone is served.
    await this.#deadlines.escalateDue();
    this.#deadlines.start();
    this.#watchOtherNodes();
    this.#upkeep.start();
  }

  stop(): void {
    this.#deadlines.stop();
    this.#upkeep.stop();
    this.#unwatch?.();
    this.#unwatch = null;
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  /**
   * Several hubs on one database: another node's decision must reach this node's agents and long-polls, and its
   * deadlines must be watched here too (whichever node's conditional transition wins expires it, once).
   */
  #watchOtherNodes(): void {
    const core = this.#core;
    if (!core.store.watch || this.#unwatch) return;
    this.#unwatch = core.store.watch((change) => {
      switch (change.kind) {
        case 'requested': {
          // Every node's timers hear every deadline and escalation from the notice itself, read or not.
          this.#deadlines.considerExpiry(change.expiresAt);
          if (change.escalateAt !== null) this.#deadlines.considerEscalation(change.escalateAt);
          if (!this.#wants(change)) return;
          // Already decided by the time it was read: its resolved change follows, and reviewers need only that.
          const announce = (read: ApprovalRecord | null) => read?.status === 'pending' && core.events.emit('requested', read, 'elsewhere');
          if (change.record) announce(change.record);
          else this.currentRecord(change.requestId).then(announce).catch((error: unknown) => core.log.error({ err: error, requestId: change.requestId }, "could not read another node's request; reviewers here see it when they next subscribe"));
          return;
        }
        case 'resolved':
          if (!this.#wants(change)) return;
          (change.record ? Promise.resolve(change.record) : this.settledRecord(change.requestId))
            .then((record) => record && core.events.emit('resolved', record, change.principalId, 'elsewhere'))
            .catch((error: unknown) => core.log.error({ err: error, requestId: change.requestId }, "could not read another node's decision; the sweep retries"));
          return;
        case 'resync':
          core.events.emit('resync');
          this.#deadlines.rearm();
          return;
      }
    }, (change) => this.#wants(change));
    this.#sweep = setInterval(() => {
      core.events.emit('resync');
      // Deadlines and escalations of notices this node missed: its timers re-read the earliest of each.
      this.#deadlines.rearm();
    }, CLUSTER_SWEEP_MS);
    this.#sweep.unref();
  }

  updateConfig(config: HubConfig): void {
    this.#core.updateConfig(config);
  }

  // ---- agents ----

  request(...args: Parameters<Arrival['request']>): ReturnType<Arrival['request']> {
    return this.#arrival.request(...args);
  }

  cancel(...args: Parameters<Decisions['cancel']>): ReturnType<Decisions['cancel']> {
    return this.#decisions.cancel(...args);
  }

  sync(...args: Parameters<Reads['sync']>): ReturnType<Reads['sync']> {
    return this.#reads.sync(...args);
  }

  awaitingDelivery(...args: Parameters<Reads['awaitingDelivery']>): ReturnType<Reads['awaitingDelivery']> {
    return this.#reads.awaitingDelivery(...args);
  }

  undelivered(...args: Parameters<Reads['undelivered']>): ReturnType<Reads['undelivered']> {
    return this.#reads.undelivered(...args);
  }

  markDelivered(...args: Parameters<Reads['markDelivered']>): ReturnType<Reads['markDelivered']> {
    return this.#reads.markDelivered(...args);
  }

  // ---- reviewers ----

  decide(...args: Parameters<Decisions['decide']>): ReturnType<Decisions['decide']> {
    return this.#decisions.decide(...args);
  }

  // ---- deadlines ----

  expireDue(): ReturnType<Deadlines['expireDue']> {
    return this.#deadlines.expireDue();
  }

  escalateDue(): ReturnType<Deadlines['escalateDue']> {
    return this.#deadlines.escalateDue();
  }

  // ---- grants ----

  listGrants(...args: Parameters<Grants['listGrants']>): ReturnType<Grants['listGrants']> {
    return this.#grants.listGrants(...args);
  }

  grant(...args: Parameters<Grants['grant']>): ReturnType<Grants['grant']> {
    return this.#grants.grant(...args);
  }

  revokeGrant(...args: Parameters<Grants['revokeGrant']>): ReturnType<Grants['revokeGrant']> {
    return this.#grants.revokeGrant(...args);
  }

  // ---- reads ----

  settledRecord(...args: Parameters<Reads['settledRecord']>): ReturnType<Reads['settledRecord']> {
    return this.#reads.settledRecord(...args);
  }

  currentRecord(...args: Parameters<Reads['currentRecord']>): ReturnType<Reads['currentRecord']> {
    return this.#reads.currentRecord(...args);
  }

  visibleRecord(...args: Parameters<Reads['visibleRecord']>): ReturnType<Reads['visibleRecord']> {
    return this.#reads.visibleRecord(...args);
  }

  detail(...args: Parameters<Reads['detail']>): ReturnType<Reads['detail']> {
    return this.#reads.detail(...args);
  }

  list(...args: Parameters<Reads['list']>): ReturnType<Reads['list']> {
    return this.#reads.list(...args);
  }

  pendingPage(...args: Parameters<Reads['pendingPage']>): ReturnType<Reads['pendingPage']> {
    return this.#reads.pendingPage(...args);
  }

  listAudit(...args: Parameters<Reads['listAudit']>): ReturnType<Reads['listAudit']> {
    return this.#reads.listAudit(...args);
  }

  verifyAudit(...args: Parameters<Reads['verifyAudit']>): ReturnType<Reads['verifyAudit']> {
    return this.#reads.verifyAudit(...args);
  }

  auditHead(...args: Parameters<Reads['auditHead']>): ReturnType<Reads['auditHead']> {
    return this.#reads.auditHead(...args);
  }

  // ---- upkeep ----

  purgeDecided(): ReturnType<Upkeep['purgeDecided']> {
    return this.#upkeep.purgeDecided();
  }

  health(): ReturnType<Upkeep['health']> {
    return this.#upkeep.health();
  }
}
