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

export type ToWriter = { type: 'writes'; writes: { id: number; write: WriteOp }[] } | { type: 'close' };
export type SerializedError = { name: string; message: string; code?: string };
export type FromWriter =
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'results'; results: ({ id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError })[] }
  | { type: 'closed' };

/** After this long with commits, the writer folds the WAL back itself, so the next transaction can rewind it. */
const WRITER_CHECKPOINT_MS = 1000;

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
  // Checkpoints run off the commit path (see wal-checkpointer.ts); the WAL is cut back to this size when it rewinds.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
  migrate(db);
  // A key that lives with the data (cursor encryption): made once, kept across restarts.
  db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)`).run(randomBytes(32));
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

let queue: { id: number; write: WriteOp }[] = [];
let scheduled = false;
let lastCheckpoint = Date.now();
let dirty = false;

function flush(): void {
  scheduled = false;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return;
  const results = writer.runBatch(batch.map((b) => b.write));
  post({
    type: 'results',
    results: batch.map((b, i) => {
      const result = results[i]!;
      return result.ok ? { id: b.id, ok: true as const, value: result.value } : { id: b.id, ok: false as const, error: serialize(result.error) };
    }),
  });
  dirty = true;
  if (Date.now() - lastCheckpoint >= WRITER_CHECKPOINT_MS) checkpoint('PASSIVE');
}

function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): void {
  lastCheckpoint = Date.now();
  if (!dirty && mode === 'PASSIVE') return;
  dirty = false;
  try {
    db.pragma(`wal_checkpoint(${mode})`);
  } catch {
    // Busy or failing: the next one tries again; the WAL only grows meanwhile.
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
  for (const write of message.writes) queue.push(write);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
