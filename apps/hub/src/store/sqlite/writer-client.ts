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
 * The main thread's side of the writer thread: posts each tick's writes as one message and resolves each write
 * when its transaction committed. The event loop never waits on SQLite for a write.
 */
export class WriterClient {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #outbox: { id: number; write: WriteOp }[] = [];
  #posting = false;
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
      this.#outbox.push({ id, write: op });
      if (!this.#posting) {
        this.#posting = true;
        // Everything asked for in this tick travels in one message and commits in one transaction.
        setImmediate(() => this.#post());
      }
    });
  }

  #post(): void {
    this.#posting = false;
    if (this.#outbox.length === 0) return;
    const writes = this.#outbox;
    this.#outbox = [];
    this.#worker.postMessage({ type: 'writes', writes } satisfies ToWriter);
  }

  #receive(message: FromWriter): void {
    if (message.type !== 'results') return;
    for (const result of message.results) {
      const waiting = this.#waiting.get(result.id);
      if (!waiting) continue;
      this.#waiting.delete(result.id);
      if (result.ok) waiting.resolve(result.value as WriteResult);
      else waiting.reject(revive(result.error));
    }
  }

  #die(error: Error): void {
    if (this.#dead || this.#closed) return;
    this.#dead = error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
    this.#onFailure(error);
  }

  /** Commits what is queued, checkpoints the WAL and stops the thread. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closed = new Promise<void>((resolve) => {
      if (this.#dead) return resolve();
      this.#post();
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
