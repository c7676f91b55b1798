#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from './config.js';
import { BackupError, backupDatabase, restoreDatabase } from './commands/sqlite-backup.js';
import { runHub } from './main.js';
import { DatabaseInUseError } from './store/sqlite/database-lock.js';
import { postgresAuditHead, verifyPostgresDatabase } from './store/postgres/audit-reader.js';
import { readAuditHead } from './store/sqlite/rows.js';
import { verifyDatabase } from './store/sqlite/verify-database.js';
import { StoreUnavailableError } from './store/store.js';

const USAGE = `Usage:
  approval-hub [--config FILE] [--port N] [--host ADDR] [--db PATH | --database-url URL] [--no-demo]   start the hub
  approval-hub audit verify [--db PATH | --database-url URL | --config FILE] [--head SEQ:HASH]
  approval-hub audit head [--db PATH | --database-url URL | --config FILE]
  approval-hub backup --out FILE [--db PATH | --config FILE]      online copy of a SQLite database, while the hub runs
  approval-hub restore --from FILE [--db PATH | --config FILE]    with the hub stopped`;

class UsageError extends Error {}

/**
 * `audit verify` / `audit head`: read the database directly (read-only, never created; running hubs may keep
 * writing). Exit 0 when the chain holds, 1 when it does not, 2 on bad usage or a missing database.
 */
async function runAudit(command: string | undefined, argv: string[]): Promise<number> {
  if (command !== 'verify' && command !== 'head') throw new UsageError(`Unknown audit command "${command ?? ''}"`);
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, 'database-url': { type: 'string' }, config: { type: 'string' }, head: { type: 'string' } },
    strict: true,
  });
  const configArgs = [
    ...(values.config ? ['--config', values.config] : []),
    ...(values.db ? ['--db', values.db] : []),
    ...(values['database-url'] ? ['--database-url', values['database-url']] : []),
    '--no-demo',
  ];
  const { config } = loadConfig(configArgs, process.env);
  let expectedHead: { seq: number; hash: string } | undefined;
  if (values.head !== undefined) {
    const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(values.head);
    if (!match) throw new UsageError(`--head must be SEQ:HASH as printed by "approval-hub audit head", not "${values.head}"`);
    expectedHead = { seq: Number(match[1]), hash: match[2]! };
  }
  if (config.database.kind === 'postgres') {
    if (command === 'head') {
      process.stdout.write(`${JSON.stringify(await postgresAuditHead(config.database.url))}\n`);
      return 0;
    }
    const result = await verifyPostgresDatabase(config.database.url, { expectedHead });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  }
  const file = config.database.path;
  if (!existsSync(file)) throw new ConfigError(`No database at ${file}: nothing to verify (check --db or --config)`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (command === 'head') {
      process.stdout.write(`${JSON.stringify(readAuditHead(db))}\n`);
      return 0;
    }
    const result = verifyDatabase(db, { expectedHead });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    db.close();
  }
}

/** The SQLite file `--db` / `--config` name (the same way the hub itself finds it). */
function sqlitePath(values: { db?: string | undefined; config?: string | undefined }): string {
  const configArgs = [...(values.config ? ['--config', values.config] : []), ...(values.db ? ['--db', values.db] : []), '--no-demo'];
  const { config } = loadConfig(configArgs, process.env);
  if (config.database.kind !== 'sqlite') throw new ConfigError(`backup and restore work on SQLite databases; this config uses ${config.database.kind} (use its own backup tools)`);
  return config.database.path;
}

/**
 * `backup --out FILE` / `restore --from FILE`. Exit 0 on success, 1 when the data does not verify, 2 on bad
 * usage, 3 when a running hub holds the database (restore only).
 */
async function runBackupCommand(command: 'backup' | 'restore', argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, from: { type: 'string' } }, strict: true });
  // Backups hold every request and its arguments: readable by this user only.
  process.umask(0o077);
  const file = sqlitePath(values);
  try {
    if (command === 'backup') {
      if (!values.out) throw new UsageError('backup needs --out FILE');
      const result = await backupDatabase(file, values.out);
      process.stdout.write(`${JSON.stringify({ ok: true, backup: result.file, head: result.head, verify: result.verify })}\n`);
      return 0;
    }
    if (!values.from) throw new UsageError('restore needs --from FILE');
    const result = await restoreDatabase(values.from, file);
    process.stdout.write(`${JSON.stringify({ ok: true, restored: file, from: values.from, head: result.head, previousHead: result.previousHead })}\n`);
    process.stderr.write(
      `approval-hub: restored ${file} from ${values.from}. Its audit head (seq ${result.head.seq}) is now recorded in ${file}.lock as the one to expect, so the hub starts on it` +
        (result.previousHead ? `; the previous head (seq ${result.previousHead.seq}) is forgotten, and whatever was written after the backup is gone.\n` : '.\n'),
    );
    return 0;
  } catch (error) {
    if (error instanceof DatabaseInUseError) {
      process.stderr.write(`approval-hub: refusing to restore: ${error.message}\n`);
      return 3;
    }
    if (error instanceof BackupError) {
      process.stderr.write(`approval-hub: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const [first, second, ...rest] = process.argv.slice(2);
if (first === 'backup' || first === 'restore') {
  runBackupCommand(first, process.argv.slice(3)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      const usage = error instanceof ConfigError ? '' : `\n${USAGE}`;
      process.stderr.write(`approval-hub: ${(error as Error).message}${usage}\n`);
      process.exitCode = 2;
    },
  );
} else if (first === 'audit') {
  runAudit(second, rest).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const usage = error instanceof ConfigError || error instanceof StoreUnavailableError ? '' : `\n${USAGE}`;
      process.stderr.write(`approval-hub: ${(error as Error).message}${usage}\n`);
      process.exitCode = 2;
    },
  );
} else if (first === 'help' || first === '--help' || first === '-h') {
  process.stdout.write(`${USAGE}\n`);
} else {
  const argv = first === 'serve' ? process.argv.slice(3) : process.argv.slice(2);
  runHub(argv, process.env).catch((error: unknown) => {
    process.stderr.write(`approval-hub: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
