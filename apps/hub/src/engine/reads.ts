import {
  DEFAULT_SNAPSHOT_PAGE,
  fail,
  ok,
  type Ack,
  type ApprovalDetail,
  type ApprovalListQuery,
  type ApprovalRecord,
  type ApprovalSyncPage,
  type AuditEntry,
  type AuditHead,
  type AuditListQuery,
  type AuditVerifyResult,
  type Page,
  type Principal,
} from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { toIso } from '../runtime/clock.js';
import { EVERYTHING } from '../store/store.js';
import { actorOf, auditEntryFor, readScope, reviewerQueues, seesWholeAudit } from './access.js';
import { isDeadlinePosition, isPosition } from './cursors.js';
import { withDecisionTerms } from './decision-terms.js';
import type { EngineCore } from './engine-core.js';
import { fitToBudget, jsonBytes, readWithinBudget } from './page-budget.js';

export interface PendingPage {
  pending: ApprovalRecord[];
  nextCursor: string | null;
}

/**
 * What principals read: records within their scope, pages bounded by `limits.maxPageBytes` behind signed cursors,
 * the audit log as their role may see it; and an agent's own decisions until it acknowledges them.
 */
export class Reads {
  constructor(private readonly core: EngineCore) {}

  /** The record once it has left `pending`, else null: for waking waiters that were authorized when they began. */
  async settledRecord(requestId: string): Promise<ApprovalRecord | null> {
    const stored = await this.core.read(requestId, EVERYTHING);
    return stored && stored.record.status !== 'pending' ? stored.record : null;
  }

  /** The record as it stands, whoever may see it: for messages the hub composes itself (a notification sent later than queued). */
  async currentRecord(requestId: string): Promise<ApprovalRecord | null> {
    return (await this.core.read(requestId, EVERYTHING))?.record ?? null;
  }

  async visibleRecord(principal: Principal, requestId: string): Promise<ApprovalRecord | null> {
    return (await this.core.read(requestId, readScope(principal)))?.record ?? null;
  }

  async detail(principal: Principal, requestId: string): Promise<Ack<ApprovalDetail>> {
    const record = await this.visibleRecord(principal, requestId);
    if (!record) return fail('not_found', `No request ${requestId} visible to you`);
    const entries = (await this.core.store.timeline(requestId)).map((entry) => auditEntryFor(principal, entry));
    // The record goes whole; its timeline (oldest first) fills what is left of the page budget.
    const { kept, cut } = fitToBudget(entries, this.core.config.limits.maxPageBytes - jsonBytes(record), jsonBytes, false);
    return ok({ ...record, timeline: kept, ...(cut ? { timelineTruncated: true } : {}) });
  }

  async list(principal: Principal, query: ApprovalListQuery): Promise<Page<ApprovalRecord>> {
    // History reads in the order it shows: by decision time, with its own cursor kind so the two never mix.
    const byDecision = query.sort === 'decided';
    const kind = byDecision ? 'approvals:decided' : 'approvals';
    const cursor = query.cursor;
    const page = await this.core.store.listRequests(
      {
        status: query.status,
        queue: query.queue,
        agentName: query.agentName,
        toolName: query.toolName,
        conversationId: query.conversationId,
        q: query.q,
        sort: query.sort,
        limit: query.limit,
        after: cursor === undefined ? undefined : this.core.codec.decode(kind, cursor, isPosition),
        maxBytes: this.core.config.limits.maxPageBytes,
      },
      readScope(principal),
    );
    return { items: page.items.map(withDecisionTerms), nextCursor: page.next === null ? null : this.core.codec.encode(kind, page.next) };
  }

  /** One page of what is pending in `queues` (null = all), by deadline. */
  async pendingPage(queues: readonly string[] | null, options: { limit?: number | undefined; cursor?: string | undefined }): Promise<PendingPage> {
    const kind = `pending:${queues === null ? '*' : [...queues].sort().join(',')}`;
    const after = options.cursor === undefined ? undefined : this.core.codec.decode(kind, options.cursor, isDeadlinePosition);
    const page = await this.core.store.listPending(queues, { limit: options.limit ?? DEFAULT_SNAPSHOT_PAGE, after, maxBytes: this.core.config.limits.maxPageBytes });
    return { pending: page.items.map(withDecisionTerms), nextCursor: page.next === null ? null : this.core.codec.encode(kind, page.next) };
  }

  async listAudit(principal: Principal, query: AuditListQuery): Promise<Page<AuditEntry>> {
    const after = query.cursor === undefined ? undefined : this.core.codec.decode('audit', query.cursor, isPosition);
    const page = await readWithinBudget({
      read: (from, limit) =>
        this.core.store.listAudit(
          { requestId: query.requestId, type: query.type, queue: query.queue, since: query.since, until: query.until, limit, after: from, includeHubRows: seesWholeAudit(principal) },
          reviewerQueues(principal),
        ),
      limit: query.limit,
      after,
      maxBytes: this.core.config.limits.maxPageBytes,
      // The largest row is a request's `requested` entry: its arguments (at most a payload) and the hub's fields.
      itemMaxBytes: this.core.config.limits.maxPayloadBytes + 8192,
    });
    return { items: page.items.map((entry) => auditEntryFor(principal, entry)), nextCursor: page.next === null ? null : this.core.codec.encode('audit', page.next) };
  }

  async verifyAudit(principal: Principal, expectedHead?: { seq: number; hash: string }): Promise<Ack<AuditVerifyResult>> {
    if (!seesWholeAudit(principal)) return fail('forbidden', 'Only admins may verify the audit chain');
    return ok(await this.core.store.verifyAudit({ expectedHead }));
  }

  async auditHead(principal: Principal): Promise<Ack<AuditHead>> {
    if (!seesWholeAudit(principal)) return fail('forbidden', 'Only admins may read the audit head');
    return ok(await this.core.store.auditHead());
  }

  /**
   * The current record of each of the agent's own requests, in order, until `limits.maxPageBytes` is spent; unknown
   * ids are left out. `remaining`: the ids not read yet, to ask for in another sync.
   */
  async sync(principal: Principal, requestIds: readonly string[]): Promise<ApprovalSyncPage> {
    const scope = readScope(principal);
    const maxBytes = this.core.config.limits.maxPageBytes;
    const records: ApprovalRecord[] = [];
    let used = 0;
    for (const [i, id] of requestIds.entries()) {
      // Let other callers' I/O in now and then: a store read may complete without ever leaving the microtask queue.
      if (i > 0 && i % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
      const stored = await this.core.read(id, scope);
      if (!stored) continue;
      const bytes = jsonBytes(stored.record);
      if (records.length > 0 && used + bytes > maxBytes) return { records, remaining: requestIds.slice(i) };
      used += bytes;
      records.push(stored.record);
    }
    return { records, remaining: [] };
  }

  /** Which of these agents have decisions waiting for their acknowledgement. */
  awaitingDelivery(principalIds: readonly string[]): Promise<string[]> {
    return principalIds.length === 0 ? Promise.resolve([]) : this.core.store.awaitingDelivery(principalIds);
  }

  /** One page of decisions still waiting for this agent's acknowledgement, after `afterPosition`. */
  async undelivered(principal: Principal, limit: number, afterPosition?: number) {
    const page = await this.core.store.undelivered(principal.id, limit, afterPosition);
    return { ...page, items: page.items.map(withDecisionTerms) };
  }

  async markDelivered(requestId: string, principal: Principal): Promise<void> {
    const delivered = await this.core.store.markDelivered(requestId, principal.id, auditEvent('delivered', requestId, null, actorOf(principal), {}), toIso(this.core.clock.now()));
    if (delivered) this.core.log.info({ event: 'approval.delivered', requestId, agent: principal.id }, 'decision delivered');
  }
}
