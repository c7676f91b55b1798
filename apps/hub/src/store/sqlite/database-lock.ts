import Database from 'better-sqlite3';

/** Thrown when another process (another hub) is already writing this database. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

export interface DatabaseLock {
  release(): void;
}

/**
 * One writer per database file. The lock is an exclusive SQLite lock (a POSIX advisory lock) on a sidecar
 * `<db>.lock` file, held for the hub's lifetime: the kernel drops it when the process ends, even on SIGKILL, so
 * there is never a stale lock to clean up, and a second hub on the same file is refused at once instead of
 * corrupting the first one's audit chain. Readers (`audit verify`, backups) do not take it.
 */
export function lockDatabase(dbPath: string): DatabaseLock {
  if (dbPath === ':memory:') return { release: () => {} };
  const lockPath = `${dbPath}.lock`;
  const lock = new Database(lockPath);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('journal_mode = MEMORY');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DatabaseInUseError(
        `The database ${dbPath} is in use by another running hub (it holds ${lockPath}). Stop that hub, or give this one its own database with --db PATH (or HUB_DB).`,
      );
    }
    throw error;
  }
  return {
    release: () => {
      if (!lock.open) return;
      try {
        lock.exec('ROLLBACK');
      } catch {
        // Closing releases the lock either way.
      }
      lock.close();
    },
  };
}
