import { fail, ok, type Ack, type Grant, type GrantListQuery, type Page, type Principal } from '@approval-hub/protocol';
import { auditEvent } from '../audit/audit-events.js';
import { toIso } from '../runtime/clock.js';
import { actorOf, mayDecide, reviewerQueues, roleRefusal } from './access.js';
import { isPosition } from './cursors.js';
import type { EngineCore } from './engine-core.js';
import { readWithinBudget } from './page-budget.js';

/**
 * Standing grants, as reviewers see and revoke them. (A grant is made by a decision, in `decisions.ts`, and used by
 * an arrival, in `arrival.ts`; both in the same transaction as what they report.)
 */
export class Grants {
  constructor(private readonly core: EngineCore) {}

  async listGrants(principal: Principal, query: GrantListQuery): Promise<Ack<Page<Grant>>> {
    if (!mayDecide(principal)) return roleRefusal(principal);
    const after = query.cursor === undefined ? undefined : this.core.codec.decode('grants', query.cursor, isPosition);
    const now = this.core.clock.now();
    const page = await readWithinBudget({
      read: (from, limit) =>
        this.core.store.listGrants({ status: query.status, queue: query.queue, toolName: query.toolName, grantedBy: query.grantedBy, fromRequestId: query.fromRequestId, limit, after: from, now }, reviewerQueues(principal)),
      limit: query.limit,
      after,
      maxBytes: this.core.config.limits.maxPageBytes,
      // A grant is made from one decision, so it is no larger than a decision's payload (plus its own fields).
      itemMaxBytes: this.core.config.limits.maxPayloadBytes + 4096,
    });
    return ok({ items: page.items, nextCursor: page.next === null ? null : this.core.codec.encode('grants', page.next) });
  }

  async grant(principal: Principal, grantId: string): Promise<Ack<Grant>> {
    if (!mayDecide(principal)) return roleRefusal(principal);
    const grant = await this.core.store.getGrant(grantId, reviewerQueues(principal), this.core.clock.now());
    return grant ? ok(grant) : fail('not_found', `No grant ${grantId} in your queues`);
  }

  /** Revokes a grant within the reviewer's queues; effective at once on every node (arrivals read grants from the store). */
  async revokeGrant(principal: Principal, grantId: string): Promise<Ack<Grant>> {
    if (!mayDecide(principal)) return roleRefusal(principal);
    const queues = reviewerQueues(principal);
    const now = this.core.clock.now();
    // Outside the reviewer's queues a grant is indistinguishable from a missing one.
    const found = await this.core.store.getGrant(grantId, queues, now);
    if (!found) return fail('not_found', `No grant ${grantId} in your queues`);
    const at = toIso(now);
    const result = await this.core.store.revokeGrant({
      grantId,
      queues,
      by: { id: principal.id, name: principal.name },
      at,
      now,
      audit: [auditEvent('grant_revoked', found.fromRequestId, found.queue, actorOf(principal), { grantId, effect: found.effect, fromRequestId: found.fromRequestId })],
    });
    if (!result) return fail('not_found', `No grant ${grantId} in your queues`);
    if (result.revoked) {
      this.core.log.info({ event: 'grant.revoked', grantId, reviewer: principal.id }, 'grant revoked');
      this.core.events.emit('grantRevoked', result.grant);
    }
    return ok(result.grant);
  }
}
