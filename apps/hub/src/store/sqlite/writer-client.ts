import { Worker } from 'node:worker_threads';
import { StoreIntegrityError } from '../store.js';
import { builtScript } from './built-script.js';
import type { WriteOp, WriteResult } from './sqlite-writer.js';
import type { FromWriter, SerializedError, ToWriter, WriterThreadData } from './writer-thread.js';

function revive(error: SerializedError): Error {
  const revived = error.name === 'StoreIntegrityError' ? new StoreIntegrityError(error.message) : new Error(error.message);
  revived.name = error.name;
  if (error.code) Object.assign(revived, { code: error.code });
  return revived;
}

interface Waiting {
  resolve: (value: WriteResult) => void;
  reject: (error: Error) => void;
}

/**
 * How long a delivery receipt waits for other writes to travel with. A receipt alone needs no transaction of its
 * own: it rides the next batch, and if the hub dies first the decision is only delivered again, which the agent
 * already deduplicates (`requestId`).
 */
const RECEIPT_LINGER_MS = 20;

/**
 * The main thread's side of the writer thread: group commit. At most one batch is in flight; whatever is asked for
 * while it commits waits here and goes as the next batch, in one message and one transaction. So the batch grows
 * exactly as much as the writer is busy (no fixed window to tune), `durability: 'normal'` groups as well as 'full'
 * does, and an idle hub still commits a lone write in the next tick. Each write resolves when its transaction
 * committed; the event loop never waits on SQLite.
 */
export class WriterClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #outbox: { id: number; write: WriteOp }[] = [];
  /** Delivery receipts waiting for a batch to ride (see RECEIPT_LINGER_MS). */
  #receipts: { id: number; write: WriteOp }[] = [];
  /** The ids of each batch posted and not answered yet, oldest first: the thread answers batches in order. */
  readonly #posted: number[][] = [];
  #posting = false;
  #receiptTimer: NodeJS.Timeout | null = null;
  /** A batch was posted and its results have not come back yet. */
  #inFlight = false;
  #dead: Error | null = null;
  #closed: Promise<void> | null = null;
  readonly #onFailure: (error: Error) => void;

  private constructor(worker: Worker, onFailure: (error: Error) => void) {
    this.#worker = worker;
    this.#onFailure = onFailure;
  }

  static start(data: WriterThreadData, onFailure: (error: Error) => void): Promise<WriterClient> {
    const worker = new Worker(builtScript('./writer-thread.js', import.meta.url), { workerData: data });
    const client = new WriterClient(worker, onFailure);
    return new Promise((resolve, reject) => {
      const onStartup = (message: FromWriter) => {
        if (message.type === 'ready') {
          worker.off('message', onStartup);
          worker.on('message', (m: FromWriter) => client.#receive(m));
          resolve(client);
        } else if (message.type === 'failed') {
          worker.off('message', onStartup);
          reject(revive(message.error));
        }
      };
      worker.on('message', onStartup);
      worker.once('error', (error) => {
        reject(error);
        client.#die(error);
      });
      worker.once('exit', (code) => client.#die(new Error(`the database writer stopped (exit ${code})`)));
    });
  }

  write(op: WriteOp): Promise<WriteResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#closed) return Promise.reject(new Error('store is closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      if (op.op === 'delivered') {
        this.#receipts.push({ id, write: op });
        this.#receiptTimer ??= setTimeout(() => {
          this.#receiptTimer = null;
          this.#schedule();
        }, RECEIPT_LINGER_MS);
        return;
      }
      this.#outbox.push({ id, write: op });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#posting || this.#inFlight) return;
    this.#posting = true;
    // Everything asked for in this tick travels in one message and commits in one transaction.
    setImmediate(() => this.#post());
  }

  #post(): void {
    this.#posting = false;
    if (this.#inFlight) return;
    const receiptsDue = this.#receiptTimer === null || this.#outbox.length > 0;
    if (this.#outbox.length === 0 && (!receiptsDue || this.#receipts.length === 0)) return;
    let writes = this.#outbox;
    this.#outbox = [];
    if (receiptsDue && this.#receipts.length > 0) {
      writes = writes.concat(this.#receipts);
      this.#receipts = [];
      if (this.#receiptTimer) clearTimeout(this.#receiptTimer);
      this.#receiptTimer = null;
    }
    this.#inFlight = true;
    this.#send(writes);
  }

  #send(writes: { id: number; write: WriteOp }[]): void {
    this.#posted.push(writes.map((w) => w.id));
    this.#worker.postMessage({ type: 'writes', writes: writes.map((w) => w.write) } satisfies ToWriter);
  }

  #receive(message: FromWriter): void {
    if (message.type !== 'results') return;
    this.#inFlight = false;
    // What queued up while that batch committed goes now, as one batch.
    if (this.#outbox.length > 0 || (this.#receipts.length > 0 && this.#receiptTimer === null)) this.#schedule();
    const ids = this.#posted.shift() ?? [];
    const failed = message.failures.length > 0 ? new Map(message.failures.map((f) => [f.index, f.error])) : null;
    for (let i = 0; i < ids.length; i++) {
      const waiting = this.#waiting.get(ids[i]!);
      if (!waiting) continue;
      this.#waiting.delete(ids[i]!);
      const error = failed?.get(i);
      if (error) waiting.reject(revive(error));
      else waiting.resolve(message.values[i] as WriteResult);
    }
  }

  #die(error: Error): void {
    if (this.#dead || this.#closed) return;
    this.#dead = error;
    if (this.#receiptTimer) clearTimeout(this.#receiptTimer);
    this.#receiptTimer = null;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    this.#onFailure(error);
  }

  /** Commits what is queued, checkpoints the WAL and stops the thread. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closed = new Promise<void>((resolve) => {
      if (this.#dead) return resolve();
      // Receipts still waiting go now; the thread commits whatever is queued before it closes.
      if (this.#receiptTimer) clearTimeout(this.#receiptTimer);
      this.#receiptTimer = null;
      const writes = [...this.#outbox, ...this.#receipts];
      this.#outbox = [];
      this.#receipts = [];
      if (writes.length > 0) this.#send(writes);
      const timer = setTimeout(() => this.#worker.terminate().then(() => resolve(), () => resolve()), 5000);
      this.#worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#worker.on('message', (m: FromWriter) => {
        // A failed terminate changes nothing: the 'exit' listener above, or the timer, settles close().
        if (m.type === 'closed') this.#worker.terminate().catch(() => {});
      });
      this.#worker.postMessage({ type: 'close' } satisfies ToWriter);
    });
    return this.#closed;
  }
}
