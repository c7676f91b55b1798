import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background thread folds the WAL back into the database. */
const CHECKPOINT_INTERVAL_MS = 200;

// Runs in the worker thread (CommonJS, evaluated): its own connection, PASSIVE checkpoints that never take the write lock.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or failing: the next tick tries again */ }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/**
 * SQLite's automatic checkpoint runs inside a COMMIT on the hub's event loop and fsyncs there, stalling every
 * socket for milliseconds. The writer turns it off (`wal_autocheckpoint = 0`) and this thread checkpoints instead.
 */
export function startWalCheckpointer(path: string): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: CHECKPOINT_INTERVAL_MS } });
  worker.unref();
  // A failing checkpointer must not take the hub down; without it the WAL only grows until the next clean stop.
  worker.on('error', () => {});
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (worker.threadId === -1) return resolve();
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        setTimeout(() => void worker.terminate(), 1000).unref();
      }),
  };
}
