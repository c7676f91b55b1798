import { randomUUID } from 'node:crypto';
import { type ApprovalRecord, type Grant, type GrantInput, grantMatchFor, type Principal } from '@approval-hub/protocol';
import { toIso } from '../runtime/clock.js';
import type { HubConfig } from '../config.js';
import { grantScopeProblem } from './grant-matching.js';

/**
 * The grant a reviewer's decision on `record` asks for, or why it cannot be made. An allow grant is refused with
 * edited arguments (later calls would run with the agent's arguments, which the reviewer did not approve) and on a
 * request that needs a quorum (one reviewer must not stand in for several). A match need not cover the request it is
 * made on: "approve this one, and allow amounts up to 100 from now on" is a scope of its own.
 */
export function grantFromDecision(options: {
  record: ApprovalRecord;
  principal: Principal;
  input: GrantInput;
  approved: boolean;
  modified: boolean;
  config: HubConfig['approval']['grants'];
  now: number;
}): { grant: Grant } | { problem: string } {
  const { record, principal, input, approved, modified, config, now } = options;
  const effect = input.effect ?? (approved ? 'allow' : 'deny');
  if (effect === 'allow' && modified) return { problem: 'an allow grant cannot come with edited arguments: later calls would run with their own' };
  if (effect === 'allow' && record.quorum) return { problem: 'an allow grant cannot be made on a request that needs several approvals' };
  const match = grantMatchFor(record, input.match);
  const problem = grantScopeProblem(record, match);
  if (problem) return { problem };
  const ttlMs = Math.min(input.ttlMs ?? config.defaultTtlMs, config.maxTtlMs);
  const grant: Grant = {
    grantId: `grant-${randomUUID()}`,
    effect,
    queue: record.queue,
    match,
    grantedBy: { id: principal.id, name: principal.name },
    fromRequestId: record.requestId,
    createdAt: toIso(now),
    expiresAt: toIso(now + ttlMs),
    uses: 0,
    status: 'active',
  };
  if (input.maxUses !== undefined) grant.maxUses = input.maxUses;
  return { grant };
}
