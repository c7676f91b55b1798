#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { runHub } from './main.js';
import { openSqliteStore } from './store/sqlite-store.js';

const USAGE = `Usage:
  approval-hub [--config FILE] [--port N] [--db PATH] [--no-demo]   start the hub
  approval-hub audit verify [--db PATH | --config FILE] [--head SEQ:HASH]
  approval-hub audit head [--db PATH | --config FILE]`;

/** `audit verify` / `audit head`: read the database directly, exit 0 when the chain holds, 1 when it does not. */
function runAudit(command: string | undefined, argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, config: { type: 'string' }, head: { type: 'string' } }, strict: true });
  const configArgs = [...(values.config ? ['--config', values.config] : []), ...(values.db ? ['--db', values.db] : []), '--no-demo'];
  const { config } = loadConfig(configArgs, process.env);
  const store = openSqliteStore({ path: config.dbPath, durability: config.durability });
  try {
    if (command === 'head') {
      process.stdout.write(`${JSON.stringify(store.auditHead())}\n`);
      return 0;
    }
    if (command !== 'verify') {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    const result = store.verifyAudit();
    if (result.ok && values.head) {
      const [seqText, hash] = values.head.split(':');
      const seq = Number(seqText);
      const kept = store.auditHashAt(seq);
      if (kept !== hash) {
        const report = { ok: false, checked: result.checked, firstBad: { seq, reason: kept === null ? `row ${seq} of the exported head is missing (rows were removed from the end)` : `row ${seq} does not match the exported head` }, head: result.head };
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return 1;
      }
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    void store.close();
  }
}

const [first, second, ...rest] = process.argv.slice(2);
if (first === 'audit') {
  try {
    process.exitCode = runAudit(second, rest);
  } catch (error) {
    process.stderr.write(`approval-hub: ${(error as Error).message}\n${error instanceof ConfigError ? '' : USAGE}\n`);
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
