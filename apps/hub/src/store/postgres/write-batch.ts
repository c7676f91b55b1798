import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { auditHashTail } from '../../audit/audit-chain.js';
import { auditRowContent } from '../audit-row.js';
import { StoreIntegrityError } from '../store.js';
import { batchNotices, CHANGE_CHANNEL } from './change-notice.js';
import type { CounterKey, WriteResult } from '../sql/tx.js';

/**
 * Renders text values as string constants PostgreSQL takes byte for byte, with no escaping to do on either side:
 * `$tag$…$tag$`, with one tag for all of them that none of them contains. The scanner ends a constant at the first
 * `$tag$`, and any occurrence but the closing one would have to contain `$tag`, so no value can end its constant early
 * whatever an agent sent. The tag is random, so no value can be made to force a search for one.
 */
export function dollarQuoting(values: readonly (string | null)[]): (value: string | null) => string {
  let tag: string;
  do tag = `h${randomBytes(6).toString('hex')}`;
  while (values.some((value) => value?.includes(`$${tag}`)));
  return (value) => (value === null ? 'NULL' : `$${tag}$${value}$${tag}$`);
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The insert would go over a pending quota: nothing was written. */
export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  constructor(
    readonly scope: 'agent' | 'queue',
    readonly limit: number,
  ) {
    super(`over the ${scope} quota of ${limit} pending requests`);
  }
}

/** SQLSTATEs raised by the functions in schema.ts, and PostgreSQL's own for a deadlock or serialization failure. */
const CHAIN_WENT_BACK = 'AH001';
const HEAD_MISSING = 'AH002';
const BATCH_QUOTA = 'AH005';
const RETRYABLE = new Set(['40P01', '40001']);

/** Writes in one transaction: enough to amortise BEGIN/COMMIT, few enough to keep subtransactions and notices small. */
const MAX_BATCH = 64;
/** Batches one node runs at once (each on its own pooled connection). */
const MAX_IN_FLIGHT = 2;
/** Whole-batch retries after a deadlock or serialization failure before the batch's writes fail. */
const MAX_RETRIES = 5;

interface Queued {
  key: string;
  run: (client: pg.PoolClient) => Promise<WriteResult<unknown>>;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface WriteBatcherOptions {
  pool: pg.Pool;
  node: string;
  /** The last chain head this store committed: the database must never go back behind it. */
  lastHead: () => ChainHead | null;
  committed: (head: ChainHead | null, grantQueues: readonly string[]) => void;
  /** A batch failed for a reason of the database (not an answer such as a quota): health reports it. */
  failed: (error: Error) => void;
}

/**
 * Group commit for the PostgreSQL store: every write a node makes within one event-loop turn (and every write that
 * arrives while a batch is in flight) goes to the database as ONE transaction, with one audit append (the chain
 * advances once per batch, the rows hashed in batch order), one counter update, one quota check and one change
 * notice, sent together with the COMMIT in a single round trip (so the chain-head and counter row locks are held
 * for no client round trip).
 *
 * One failing write does not fail the others. A write that finds nothing to do writes nothing (or rolls back to a
 * SAVEPOINT of its own, on the rare paths that write first: grant uses and decision links). A write that throws, or
 * an insert over its quota, is answered alone, and the rest of the batch runs again in a new transaction: nothing
 * had committed, and each write re-reads what it depends on. A deadlock between nodes' batches reruns the batch.
 *
 * Writes are ordered by key (request or grant id) inside a batch, so two nodes' batches take row locks in the same
 * order; the writes of one batch were all in flight at once, so any order among them is one their callers allow.
 */
export class WriteBatcher {
  readonly #options: WriteBatcherOptions;
  #queue: Queued[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(options: WriteBatcherOptions) {
    this.#options = options;
  }

  submit<T>(key: string, run: (client: pg.PoolClient) => Promise<WriteResult<T>>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ key, run, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Resolves once every write submitted so far is answered (before the pool is closed). */
  drained(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #schedule(): void {
    if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#scheduled) for (const resolve of this.#idle.splice(0)) resolve();
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After this turn's I/O callbacks: every write they make joins the batch.
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
        const batch = this.#queue.splice(0, MAX_BATCH);
        this.#inFlight++;
        this.#runBatch(batch)
          // Unexpected (a bug, not a database error): fail what is still waiting rather than leave it hanging.
          .catch((error: unknown) => {
            for (const write of batch) write.reject(error as Error);
          })
          .finally(() => {
            this.#inFlight--;
            this.#schedule();
          });
      }
    });
  }

  async #runBatch(batch: Queued[]): Promise<void> {
    let writes = batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let retries = 0;
    while (writes.length > 0) {
      let client: pg.PoolClient;
      try {
        client = await this.#options.pool.connect();
      } catch (error) {
        this.#options.failed(error as Error);
        for (const write of writes) write.reject(error as Error);
        return;
      }
      let broken: Error | undefined;
      const rollback = async () => {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is gone or unusable: the pool must not hand it out again.
          broken = rollbackError as Error;
        }
      };
      try {
        const next = await this.#attempt(client, writes, rollback);
        if (next.retry) {
          if (++retries > MAX_RETRIES) {
            for (const write of next.rest) write.reject(next.retry);
            return;
          }
        }
        writes = next.rest;
      } finally {
        client.release(broken);
      }
    }
  }

  /** One transaction over `writes`; returns the writes to run again (empty when all are answered). */
  async #attempt(client: pg.PoolClient, writes: Queued[], rollback: () => Promise<void>): Promise<{ rest: Queued[]; retry?: Error }> {
    const results: WriteResult<unknown>[] = [];
    try {
      await client.query('BEGIN');
    } catch (error) {
      await rollback();
      this.#options.failed(error as Error);
      for (const write of writes) write.reject(error as Error);
      return { rest: [] };
    }
    for (const [i, write] of writes.entries()) {
      try {
        results.push(await write.run(client));
      } catch (error) {
        // This write alone is answered with its error; the others run again without it.
        await rollback();
        this.#options.failed(error as Error);
        write.reject(error as Error);
        return { rest: writes.filter((_, j) => j !== i) };
      }
    }
    const committing = results.map((result, i) => ({ result, i })).filter(({ result }) => result.commit);
    if (committing.length === 0) {
      await rollback();
      for (const [i, write] of writes.entries()) write.resolve(results[i]!.value);
      return { rest: [] };
    }

    const literal = (value: string) => client.escapeLiteral(value);
    const statements: string[] = [];
    const counters = new Map<string, CounterKey>();
    for (const { result } of committing) for (const key of result.counters ?? []) counters.set(`${key[0]}\u0000${key[1]}`, key);
    if (counters.size > 0) {
      // Every counter row this batch moves, locked in (scope, name) order before the deferred trigger updates them:
      // two nodes' batches never wait on each other's counters in a cycle. Rows not made yet are made by the trigger.
      const keys = [...counters.values()].map(([scope, name]) => `(${literal(scope)}, ${literal(name)})`).join(', ');
      statements.push(`SELECT 1 FROM pending_counts WHERE (scope, name) IN (VALUES ${keys}) ORDER BY scope, name FOR UPDATE`);
    }
    // The deferred counter trigger runs here, before the chain head is locked (schema.ts).
    statements.push('SET CONSTRAINTS approvals_pending_counts IMMEDIATE');
    const quotas = committing.flatMap(({ result, i }) =>
      result.quota
        ? [{ i, principal: result.quota.principalId, queue: result.quota.queue, max_agent: result.quota.maxPendingPerAgent, max_queue: result.quota.maxPendingPerQueue }]
        : [],
    );
    if (quotas.length > 0) statements.push(`SELECT approval_quota_check_batch(${literal(JSON.stringify(quotas))}::json)`);
    const rows = committing.flatMap(({ result }) => (result.audit ?? []).map(({ event, at, state }) => auditRowContent(event, at, state)));
    let headResult = -1;
    if (rows.length > 0) {
      const last = this.#options.lastHead();
      headResult = statements.length;
      // The simple query protocol takes several statements in one message but no parameters. The rows go as one text
      // array per column of dollar-quoted literals, which need no escaping (a tool call's arguments are neither
      // escaped here nor parsed as JSON there); the server hashes each row's tail, built here as for every store.
      // If any statement raises, the COMMIT after it is not run and the transaction is rolled back.
      const columns = [
        rows.map((r) => r.at),
        rows.map((r) => r.type),
        rows.map((r) => r.requestId),
        rows.map((r) => r.queue),
        rows.map((r) => r.actor),
        rows.map((r) => r.data),
        rows.map((r) => r.stateHash),
        rows.map((r) => auditHashTail(r)),
      ];
      const quoted = dollarQuoting(columns.flat());
      const arrays = columns.map((values) => `ARRAY[${values.map(quoted).join(',')}]::text[]`).join(', ');
      statements.push(`SELECT seq, hash FROM audit_append(${arrays}, ${last ? `${Number(last.seq)}, ${literal(last.hash)}` : 'NULL, NULL'})`);
    }
    for (const payload of batchNotices(this.#options.node, committing.flatMap(({ result }) => (result.notice ? [result.notice] : [])))) {
      statements.push(`NOTIFY ${CHANGE_CHANNEL}, ${literal(payload)}`);
    }
    statements.push('COMMIT');

    let answer: pg.QueryResult<ChainHead>[];
    try {
      answer = (await client.query(statements.join('; '))) as unknown as pg.QueryResult<ChainHead>[];
    } catch (error) {
      await rollback();
      const code = (error as { code?: string }).code;
      if (code === BATCH_QUOTA) {
        // The inserts over a quota are answered alone; the others run again, counted without them.
        const over = new Map((JSON.parse((error as { detail?: string }).detail ?? '[]') as [number, 'agent' | 'queue', number][]).map(([i, scope, limit]) => [i, { scope, limit }]));
        for (const [i, { scope, limit }] of over) writes[i]?.reject(new QuotaExceededError(scope, limit));
        return { rest: writes.filter((_, i) => !over.has(i)) };
      }
      if (code !== undefined && RETRYABLE.has(code)) return { rest: writes, retry: error as Error };
      const failure =
        code === CHAIN_WENT_BACK
          ? new StoreIntegrityError(`The audit chain went back behind row ${this.#options.lastHead()?.seq} that this hub wrote: the database was restored or replaced. Writes are refused.`)
          : code === HEAD_MISSING
            ? new StoreIntegrityError('The audit_head row is missing: the database was changed outside the hub. Writes are refused.')
            : (error as Error);
      this.#options.failed(failure);
      for (const write of writes) write.reject(failure);
      return { rest: [] };
    }
    let head: ChainHead | null = null;
    if (headResult >= 0) {
      const row = answer[headResult]?.rows[0];
      // Committed, but the head is unknown: answer as for a lost connection (the outcome is not known here).
      if (!row) {
        const failure = new Error('audit_append returned no head');
        for (const write of writes) write.reject(failure);
        return { rest: [] };
      }
      head = { seq: Number(row.seq), hash: row.hash };
    }
    this.#options.committed(head, [...new Set(committing.flatMap(({ result }) => (result.notice?.grants !== undefined ? [result.notice.grants] : [])))]);
    for (const [i, write] of writes.entries()) write.resolve(results[i]!.value);
    return { rest: [] };
  }
}
