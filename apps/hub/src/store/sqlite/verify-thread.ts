import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { VerifyInput } from '../store.js';
import { verifyDatabase } from './verify-database.js';

// A verification reads the whole database: it runs here, on its own read-only connection, so the hub's event loop
// and its writer keep going meanwhile.
const { path, input } = workerData as { path: string; input: VerifyInput };
const db = new Database(path, { readonly: true, fileMustExist: true });
try {
  parentPort!.postMessage({ ok: true, result: verifyDatabase(db, input) });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: (error as Error).message });
} finally {
  db.close();
}
