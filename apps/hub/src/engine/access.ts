import { fail, type AuditActor, type AuditEntry, type ErrorInfo, type Principal, type Role } from '@approval-hub/protocol';
import type { ReadScope } from '../store/store.js';

/**
 * Who may see, decide or cancel what: the only place these rules live. Transports and the engine ask here;
 * stores apply the resulting scope in their queries, before reading anything of size.
 */

export const reviewerRoles: readonly Role[] = ['reviewer', 'admin'];
export const agentRoles: readonly Role[] = ['agent'];
/** Operations surfaces (process and Prometheus metrics, the notification delivery log, audit verify and head). */
export const adminRoles: readonly Role[] = ['admin'];

/** Whether the principal holds one of the roles a route or event requires. */
export function hasRole(principal: Principal, roles: readonly Role[]): boolean {
  return roles.includes(principal.role);
}

/** Metrics and the delivery log: admins only (they count and name every queue). */
export function mayOperate(principal: Principal): boolean {
  return hasRole(principal, adminRoles);
}

/** The queues a reviewer may read and decide: `null` = all (admins, and reviewers without a `queues` list). */
export function reviewerQueues(principal: Principal): readonly string[] | null {
  return principal.role === 'reviewer' ? principal.queues : null;
}

/** What a principal may read: reviewers their queues, admins everything, agents only their own requests. */
export function readScope(principal: Principal): ReadScope {
  if (principal.role === 'agent') return { queues: null, principalId: principal.id };
  return { queues: reviewerQueues(principal), principalId: null };
}

/** Only reviewers and admins decide, and only within their queues (applied through `readScope`). */
export function mayDecide(principal: Principal): boolean {
  return reviewerRoles.includes(principal.role);
}

/** The answer when a principal's role may not do something at all (before anything is read). */
export function roleRefusal(principal: Principal): { ok: false; error: ErrorInfo } {
  return fail('forbidden', `Not allowed for the ${principal.role} role`);
}

/** Whether the principal may decide requests of this queue (a decision link is issued only to such a reviewer). */
export function mayDecideQueue(principal: Principal, queue: string): boolean {
  const queues = reviewerQueues(principal);
  return mayDecide(principal) && (queues === null || queues.includes(queue));
}

/** Agents cancel only their own requests (applied through `readScope`). */
export function mayCancel(principal: Principal): boolean {
  return principal.role === 'agent';
}

/** An agent token with `queues` may post only there; without, anywhere the hub accepts. */
export function mayPostTo(principal: Principal, queue: string): boolean {
  return principal.role === 'agent' && (principal.queues === null || principal.queues.includes(queue));
}

/** Where an agent's request goes when it names no queue. */
export function defaultQueueFor(principal: Principal, fallback: string): string {
  return principal.queues && !principal.queues.includes(fallback) ? principal.queues[0]! : fallback;
}

/**
 * Audit sequence numbers and hashes count every request in every queue: a confined reviewer could count the
 * requests of queues it may not see. Only admins get them, and only admins see hub-level rows and run verify.
 */
export function seesWholeAudit(principal: Principal): boolean {
  return principal.role === 'admin';
}

export function auditEntryFor(principal: Principal, entry: AuditEntry): AuditEntry {
  if (seesWholeAudit(principal)) return entry;
  const { seq: _seq, prevHash: _prev, hash: _hash, stateHash: _state, ...visible } = entry;
  return visible;
}

/** How a principal appears in the audit log. */
export function actorOf(principal: Principal): AuditActor {
  return principal.role === 'agent' ? { kind: 'agent', id: principal.id, name: principal.name } : { kind: 'reviewer', id: principal.id, name: principal.name };
}
