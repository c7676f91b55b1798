import type { StoredRequest } from '../../store.js';
import type { ApprovalRow } from '../../stored-rows.js';
import { sql } from '../dialect.js';
import { read, type Read } from '../read.js';
import { storedRequest } from './requests.js';

/*
 * The reads the engine's timers and decision links make. Ties are broken by position on both databases, so a batch
 * of due requests comes out in one order whichever keeps them.
 */

const dueRequests = sql(() => `SELECT * FROM approvals WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at, seq LIMIT $2`);
const earliestDeadline = sql(() => `SELECT MIN(expires_at) AS at FROM approvals WHERE status = 'pending'`);
const dueEscalationRows = sql(() => `SELECT * FROM approvals WHERE status = 'pending' AND escalate_at IS NOT NULL AND escalate_at <= $1 ORDER BY escalate_at, seq LIMIT $2`);
const earliestEscalation = sql(() => `SELECT MIN(escalate_at) AS at FROM approvals WHERE status = 'pending' AND escalate_at IS NOT NULL`);
const linkUse = sql(() => 'SELECT 1 FROM decision_link_uses WHERE link_id = $1');

const requests = (rows: ApprovalRow[]) => rows.map(storedRequest);
const earliest = (rows: { at: number | null }[]) => rows[0]?.at ?? null;

/** Pending requests past their deadline, earliest first. */
export function due(now: number, limit: number): Read<StoredRequest[]> {
  return read(dueRequests, [now, limit], requests);
}

export function nextDeadline(): Read<number | null> {
  return read(earliestDeadline, [], earliest);
}

/** Pending requests whose escalation is due, earliest first. */
export function dueEscalations(now: number, limit: number): Read<StoredRequest[]> {
  return read(dueEscalationRows, [now, limit], requests);
}

export function nextEscalation(): Read<number | null> {
  return read(earliestEscalation, [], earliest);
}

export function decisionLinkUsed(linkId: string): Read<boolean> {
  return read(linkUse, [linkId], (rows) => rows.length > 0);
}
