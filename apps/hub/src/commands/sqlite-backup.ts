import { chmodSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AuditHead, AuditVerifyResult } from '@approval-hub/protocol';
import Database from 'better-sqlite3';
import { lockDatabase } from '../store/sqlite/database-lock.js';
import { readAuditHead } from '../store/sqlite/rows.js';
import { verifyDatabase } from '../store/sqlite/verify-database.js';

/** A backup or restore that would lose or damage data; the message says what to do instead. */
export class BackupError extends Error {
  override name = 'BackupError';
}

/** Every page in one backup step: one read transaction, so the copy is one consistent snapshot. */
const ALL_PAGES = 0x7fffffff;

/**
 * Copies a database with SQLite's online backup into `out`, as one self-contained file (rollback journal, no WAL
 * beside it), then checks the copy's audit chain and states. Reads only: it needs no lock, so it runs beside a hub
 * that holds the writer lock and keeps writing (WAL readers never block the writer). The copy appears at `out` only
 * once it verified; `out` must not exist yet.
 */
export async function backupDatabase(source: string, out: string): Promise<{ file: string; head: AuditHead; verify: AuditVerifyResult }> {
  if (!existsSync(source)) throw new BackupError(`No database at ${source}: nothing to back up (check --db or --config)`);
  if (existsSync(out)) throw new BackupError(`${out} already exists; choose a new file name (a backup never overwrites)`);
  const outDir = path.dirname(path.resolve(out));
  if (!existsSync(outDir)) throw new BackupError(`The folder ${outDir} does not exist: create it first (mkdir -p ${outDir}), or choose --out in an existing folder`);
  const partial = path.join(outDir, `.${path.basename(out)}.partial-${process.pid}`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    chmodSync(partial, 0o600);
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      const verify = verifyDatabase(copy);
      if (!verify.ok) throw new BackupError(`The copy does not verify (${JSON.stringify(verify)}); the database itself may be damaged: run "approval-hub audit verify"`);
      const head = readAuditHead(copy);
      copy.close();
      renameSync(partial, out);
      return { file: out, head, verify };
    } finally {
      if (copy.open) copy.close();
    }
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * Puts a backup in place of the database at `target`. Refuses while a hub holds `<target>.lock` (it takes that lock
 * itself, so no hub can start meanwhile) and refuses a backup that does not verify. The old database, WAL and
 * shared-memory files are replaced. The backup's audit head is recorded in the lock as the one to expect, so the
 * next start accepts the restored (older) chain instead of refusing it as a replaced database.
 */
export async function restoreDatabase(from: string, target: string): Promise<{ head: AuditHead; previousHead: { seq: number; hash: string } | null; verify: AuditVerifyResult }> {
  if (!existsSync(from)) throw new BackupError(`No backup at ${from}`);
  const backup = new Database(from, { readonly: true, fileMustExist: true });
  let verify: AuditVerifyResult;
  try {
    verify = verifyDatabase(backup);
  } finally {
    backup.close();
  }
  if (!verify.ok) throw new BackupError(`Refusing to restore ${from}: it does not verify (${JSON.stringify(verify)})`);
  const file = path.resolve(target);
  const lock = lockDatabase(file); // throws DatabaseInUseError while a hub runs on it
  try {
    const previousHead = lock.lastHead();
    const staging = path.join(path.dirname(file), `.${path.basename(file)}.restoring-${process.pid}`);
    rmSync(staging, { force: true });
    const source = new Database(from, { readonly: true, fileMustExist: true });
    try {
      await source.backup(staging, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    chmodSync(staging, 0o600);
    // A WAL left by the old database must never be replayed into the restored one.
    for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    renameSync(staging, file);
    const restored = new Database(file, { readonly: true, fileMustExist: true });
    let head: AuditHead;
    try {
      head = readAuditHead(restored);
    } finally {
      restored.close();
    }
    if (head.seq > 0) lock.recordHead({ seq: head.seq, hash: head.hash });
    else lock.clearHead();
    return { head, previousHead, verify };
  } finally {
    lock.release();
  }
}
