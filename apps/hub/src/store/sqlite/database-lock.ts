import Database from 'better-sqlite3';

/** Thrown when another process (another hub) is already writing this database. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
}

export interface DatabaseLock {
  /** The last audit head this file's hubs recorded (kept with the lock, outside the database), if any. */
  lastHead(): { seq: number; hash: string } | null;
  /** Remembers the head now committed in the database, so the next start can tell a replaced database. */
  recordHead(head: { seq: number; hash: string }): void;
  /** Forgets the recorded head (a restore of a database with an empty chain). */
  clearHead(): void;
  release(): void;
}

/**
 * One writer per database file. The lock is an exclusive SQLite lock (a POSIX advisory lock) on a sidecar
 * `<db>.lock` file, held for the hub's lifetime: the kernel drops it when the process ends, even on SIGKILL, so
 * there is never a stale lock to clean up, and a second hub on the same file is refused at once instead of
 * corrupting the first one's audit chain. Readers (`audit verify`, backups) do not take it.
 */
export function lockDatabase(dbPath: string): DatabaseLock {
  if (dbPath === ':memory:') return { lastHead: () => null, recordHead: () => {}, clearHead: () => {}, release: () => {} };
  const lockPath = `${dbPath}.lock`;
  const lock = new Database(lockPath);
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('journal_mode = MEMORY');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
    // In EXCLUSIVE locking mode the lock outlives this commit: it is held until the connection closes.
    lock.exec('CREATE TABLE IF NOT EXISTS last_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)');
    lock.exec('COMMIT');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new DatabaseInUseError(
        `The database ${dbPath} is in use by another running hub (it holds ${lockPath}). Stop that hub, or give this one its own database with --db PATH (or HUB_DB).`,
      );
    }
    throw error;
  }
  lock.pragma('synchronous = NORMAL');
  const read = lock.prepare('SELECT seq, hash FROM last_head WHERE id = 1');
  const write = lock.prepare('INSERT INTO last_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash');
  return {
    lastHead: () => (read.get() as { seq: number; hash: string } | undefined) ?? null,
    recordHead: (head) => {
      if (lock.open) write.run(head.seq, head.hash);
    },
    clearHead: () => {
      if (lock.open) lock.exec('DELETE FROM last_head');
    },
    release: () => {
      if (lock.open) lock.close();
    },
  };
}
