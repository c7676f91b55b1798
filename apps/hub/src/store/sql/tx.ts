import type { AuditEvent } from '../../audit/audit-events.js';
import type { NoticePart } from '../postgres/change-notice.js';
import type { Sql } from './dialect.js';

/*
 * The transaction interface every write operation is written against. An operation is a generator: it yields one
 * statement at a time and gets its answer back, so the SQLite executor drives it synchronously on its writer thread
 * and the PostgreSQL executor with awaits, from one text (`const row = yield* one(statement, params)`).
 */

/** One statement to run, with its parameters in `$1..$n` order. */
export interface Step {
  readonly sql: Sql;
  readonly params: readonly unknown[];
}

/** What a statement answered: its rows (RETURNING or SELECT), and how many rows it changed or returned. */
export interface StepAnswer {
  readonly rows: readonly unknown[];
  readonly count: number;
}

/** A running operation: yields statements, returns its result. */
export type Op<T> = Generator<Step, T, StepAnswer>;

/** The answer to a statement the running database does not need (its `Sql` text is null). */
export const SKIPPED: StepAnswer = { rows: [], count: 0 };

/** The rows a statement returns. */
export function* all<R>(sql: Sql, params: readonly unknown[]): Op<R[]> {
  return (yield { sql, params }).rows as R[];
}

/** The first row a statement returns, if any. */
export function* one<R>(sql: Sql, params: readonly unknown[]): Op<R | undefined> {
  return (yield { sql, params }).rows[0] as R | undefined;
}

/** How many rows a statement changed. */
export function* run(sql: Sql, params: readonly unknown[]): Op<number> {
  return (yield { sql, params }).count;
}

/** An audit row to append once the write is done, chained by the executor in write order. */
export interface PendingAudit {
  event: AuditEvent;
  at: string;
  /** The request's state hash after this event (null for events that change no request). */
  state: string | null;
}

/** Pending requests allowed per agent and per queue, the new one included. */
export interface QuotaCheck {
  principalId: string;
  queue: string;
  maxPendingPerAgent: number;
  maxPendingPerQueue: number;
}

/** A pending-request counter row (`pending_counts`) a write moves. */
export type CounterKey = readonly ['agent' | 'queue', string];

/**
 * What one write leaves for its executor: its result, and what the executor writes for it before COMMIT (audit rows,
 * and on PostgreSQL the quota, counter locks and its part of the change notice, which the batch does once for all its
 * writes). `commit: false` means the write changed nothing, or undid what it did itself (ROLLBACK TO its own
 * SAVEPOINT): the other writes of the transaction still commit.
 */
export interface WriteResult<T> {
  value: T;
  commit: boolean;
  audit?: PendingAudit[];
  /** Pending-request quotas to hold this insert to; PostgreSQL checks them at COMMIT with the whole batch counted. */
  quota?: QuotaCheck;
  /** Counter rows this write moves (PostgreSQL's deferred trigger), locked in one sorted statement before COMMIT. */
  counters?: CounterKey[];
  notice?: NoticePart;
}
