#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ConfigError, loadConfig } from './config.js';
import { runHub } from './main.js';
import { readAuditHead } from './store/sqlite/rows.js';
import { verifyDatabase } from './store/sqlite/verify-database.js';

const USAGE = `Usage:
  approval-hub [--config FILE] [--port N] [--db PATH] [--no-demo]   start the hub
  approval-hub audit verify [--db PATH | --config FILE] [--head SEQ:HASH]
  approval-hub audit head [--db PATH | --config FILE]`;

class UsageError extends Error {}

/**
 * `audit verify` / `audit head`: read the database directly (read-only, never created; a running hub may keep
 * writing). Exit 0 when the chain holds, 1 when it does not, 2 on bad usage or a missing database.
 */
function runAudit(command: string | undefined, argv: string[]): number {
  if (command !== 'verify' && command !== 'head') throw new UsageError(`Unknown audit command "${command ?? ''}"`);
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, config: { type: 'string' }, head: { type: 'string' } }, strict: true });
  const configArgs = [...(values.config ? ['--config', values.config] : []), ...(values.db ? ['--db', values.db] : []), '--no-demo'];
  const { config } = loadConfig(configArgs, process.env);
  const file = config.database.path;
  if (!existsSync(file)) throw new ConfigError(`No database at ${file}: nothing to verify (check --db or --config)`);
  let expectedHead: { seq: number; hash: string } | undefined;
  if (values.head !== undefined) {
    const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(values.head);
    if (!match) throw new UsageError(`--head must be SEQ:HASH as printed by "approval-hub audit head", not "${values.head}"`);
    expectedHead = { seq: Number(match[1]), hash: match[2]! };
  }
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

const [first, second, ...rest] = process.argv.slice(2);
if (first === 'audit') {
  try {
    process.exitCode = runAudit(second, rest);
  } catch (error) {
    const usage = error instanceof ConfigError ? '' : `\n${USAGE}`;
    process.stderr.write(`approval-hub: ${(error as Error).message}${usage}\n`);
    process.exitCode = 2;
  }
} else if (first === 'help' || first === '--help' || first === '-h') {
  process.stdout.write(`${USAGE}\n`);
} else {
  const argv = first === 'serve' ? process.argv.slice(3) : process.argv.slice(2);
  runHub(argv, process.env).catch((error: unknown) => {
    process.stderr.write(`approval-hub: failed to start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
