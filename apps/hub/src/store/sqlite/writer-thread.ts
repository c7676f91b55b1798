import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { migrate } from './schema.js';
import { SqliteWriter, type InTransactionCrashPoint, type WriteOp } from './sqlite-writer.js';

export interface WriterThreadData {
  path: string;
  durability: 'normal' | 'full';
  busyTimeoutMs: number;
  /** Test-only (HUB_CRASH_AT): die with SIGKILL the n-th time this point is reached inside a transaction. */
  crashAt?: { point: InTransactionCrashPoint; n: number } | undefined;
}

/**
 * Writes travel bare, with no id or envelope per write: each `writes` message is answered by one `results` message,
 * in order, whose `values` line up with its writes (the client keeps the ids). Fewer objects to clone each way.
 */
export type ToWriter = { type: 'writes'; writes: WriteOp[] } | { type: 'close' };
export type SerializedError = { name: string; message: string; code?: string };
export type FromWriter =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  /** `values[i]` answers the i-th write of the batch; a failed write is listed in `failures` (its value is null). */
  | { type: 'results'; values: unknown[]; failures: { index: number; error: SerializedError }[] }
  | { type: 'closed' };

/**
 * The writer owns checkpoints: it runs them between batches, when no other connection can be appending, so a
 * checkpoint can finish and the next transaction rewinds the WAL to its start (and cuts the file back to
 * `journal_size_limit`). A second connection checkpointing alongside the writer never catches up under a steady
 * load, and the WAL then grows without bound.
 */
const CHECKPOINT_EVERY_MS = 250;
/** After a checkpoint a reader kept from finishing, try again this soon. */
const CHECKPOINT_RETRY_MS = 50;
/** A WAL this many frames long (about 16 MB at 4 KB pages) waits for readers to finish rather than grow further. */
const WAL_FRAMES_BEFORE_WAITING = 4096;

const port = parentPort!;
const data = workerData as WriterThreadData;
const post = (message: FromWriter) => port.postMessage(message);

function serialize(error: unknown): SerializedError {
  const e = error as { name?: string; message?: string; code?: unknown };
  return { name: e?.name ?? 'Error', message: e?.message ?? String(error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

let db: Database.Database;
let writer: SqliteWriter;
try {
  db = new Database(data.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${data.durability === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma(`busy_timeout = ${data.busyTimeoutMs}`);
  db.pragma('foreign_keys = ON');
  // The writer checkpoints between batches itself (see flush); the WAL file is cut back to this size when it rewinds.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
  migrate(db);
  // A key that lives with the data (cursor encryption): made once, kept across restarts.
  db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)`).run(randomBytes(32));
  // One hub per file (database-lock.ts): notification claims an earlier process left are void, so its unfinished
  // sends go again at once rather than when their lease runs out.
  db.prepare(`UPDATE outbox SET locked_until = 0 WHERE status = 'pending' AND locked_until > 0`).run();
  let seen = 0;
  const crashAt = data.crashAt;
  writer = new SqliteWriter(db, {
    path: data.path,
    crash: crashAt ? (point) => point === crashAt.point && ++seen === crashAt.n && process.kill(process.pid, 'SIGKILL') : undefined,
  });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: serialize(error) });
  process.exit(1);
}

/** Each message's writes, in arrival order: one transaction for all of them, one answer per message. */
let queue: WriteOp[][] = [];
let scheduled = false;

let nextCheckpointAt = Date.now() + CHECKPOINT_EVERY_MS;
let walFrames = 0;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const results = writer.runBatch(batch.length === 1 ? batch[0]! : batch.flat());
  let at = 0;
  for (const writes of batch) {
    const values: unknown[] = new Array(writes.length);
    const failures: { index: number; error: SerializedError }[] = [];
    for (let i = 0; i < writes.length; i++) {
      const result = results[at++]!;
      if (result.ok) values[i] = result.value;
      else {
        values[i] = null;
        failures.push({ index: i, error: serialize(result.error) });
      }
    }
    post({ type: 'results', values, failures });
  }
  if (Date.now() >= nextCheckpointAt) checkpoint(walFrames >= WAL_FRAMES_BEFORE_WAITING ? 'RESTART' : 'PASSIVE');
}

/** Prepared once: `db.pragma()` would compile the statement again on every call. */
let checkpoints: Record<'PASSIVE' | 'RESTART' | 'TRUNCATE', Database.Statement> | null = null;

function checkpoint(mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE'): void {
  try {
    checkpoints ??= {
      PASSIVE: db.prepare('PRAGMA wal_checkpoint(PASSIVE)'),
      RESTART: db.prepare('PRAGMA wal_checkpoint(RESTART)'),
      TRUNCATE: db.prepare('PRAGMA wal_checkpoint(TRUNCATE)'),
    };
    const result = checkpoints[mode].get() as { busy: number; log: number; checkpointed: number } | undefined;
    walFrames = result?.log ?? 0;
    const complete = result !== undefined && result.busy === 0 && result.checkpointed === result.log;
    nextCheckpointAt = Date.now() + (complete ? CHECKPOINT_EVERY_MS : CHECKPOINT_RETRY_MS);
  } catch {
    // Failing: the next batch tries again; the WAL only grows meanwhile.
    nextCheckpointAt = Date.now() + CHECKPOINT_RETRY_MS;
  }
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'close') {
    flush();
    checkpoint('TRUNCATE');
    db.close();
    post({ type: 'closed' });
    port.close();
    return;
  }
  queue.push(message.writes);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
