import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CommandEnvelope, ReplyEnvelope, WorkerCommand, WorkerReply } from './worker-protocol.js';

type ReplyOf<T extends WorkerReply['type']> = Extract<WorkerReply, { type: T }>;

/** The orchestrator's side of the load workers: one forked process each, one reply per command. */
export class WorkerPool {
  readonly #workers: ChildProcess[];
  readonly #waiting = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  private constructor(workers: ChildProcess[]) {
    this.#workers = workers;
    for (const worker of workers) {
      worker.on('message', (message: ReplyEnvelope) => {
        const waiter = this.#waiting.get(message.id);
        if (!waiter) return;
        this.#waiting.delete(message.id);
        if (message.reply.type === 'failed') waiter.reject(new Error(`load worker: ${message.reply.message}`));
        else waiter.resolve(message.reply);
      });
      worker.on('exit', (code, signal) => {
        if (code === 0) return;
        for (const waiter of this.#waiting.values()) waiter.reject(new Error(`load worker exited (code ${code}, signal ${signal})`));
        this.#waiting.clear();
      });
    }
  }

  static start(count: number): WorkerPool {
    const script = fileURLToPath(new URL('./load-worker.js', import.meta.url));
    const workers = Array.from({ length: count }, (_, index) =>
      fork(script, [], { env: { ...process.env, BENCH_WORKER_INDEX: String(index) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.#workers.length;
  }

  send<T extends WorkerReply['type']>(index: number, command: WorkerCommand, expect: T): Promise<ReplyOf<T>> {
    const worker = this.#workers[index];
    if (!worker) return Promise.reject(new Error(`no load worker ${index}`));
    const id = this.#nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      worker.send({ id, command } satisfies CommandEnvelope);
    }).then((reply) => {
      if (reply.type !== expect) throw new Error(`load worker answered ${reply.type}, expected ${expect}`);
      return reply as ReplyOf<T>;
    });
  }

  /** Sends each worker its own command (null = leave that worker out) and waits for all. */
  all<T extends WorkerReply['type']>(commands: (WorkerCommand | null)[], expect: T): Promise<ReplyOf<T>[]> {
    return Promise.all(commands.flatMap((command, index) => (command ? [this.send(index, command, expect)] : [])));
  }

  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null) return resolve();
            worker.once('exit', () => resolve());
            worker.send({ id: 0, command: { type: 'exit' } } satisfies CommandEnvelope);
            setTimeout(() => worker.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }
}
