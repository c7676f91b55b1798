import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainPath, runCli, startHubProcess } from '../support/run-cli.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';
import { defaultTokens, newRequest, tokens } from '../support/test-hub.js';

/** The environment minus any database the machine running the tests may have set. */
function withoutDatabase(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { HUB_DB: _db, DATABASE_URL: _url, ...rest } = env;
  return rest;
}

/** Runs the built hub entry to completion (for starts that must fail). */
function runMain(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [mainPath, '--no-demo', '--port', '0', ...args], {
    encoding: 'utf8',
    env: { ...withoutDatabase(process.env), ...env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A URL with a password, so the tests can check it is never printed (the test server trusts any password). */
function withPassword(url: string, password = 'n0t-to-be-printed'): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

const oneLine = (text: string) => text.trim().split('\n');

describe('the hub CLI on PostgreSQL', () => {
  let dir: string;
  let database: TestDatabase;
  let configFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-pg-cli-'));
    database = await freshDatabase();
    configFile = path.join(dir, 'hub.json');
    writeFileSync(configFile, JSON.stringify({ tokens: defaultTokens, logLevel: 'warn' }));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a URL that is not postgres:// in one line, exit 2, without echoing it', () => {
    const result = runMain(['--database-url', 'mysql://root:hunter22@localhost/hub']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/database\.url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(result.stderr).not.toContain('hunter22');
  });

  it('an unreachable server: one readable line naming where and why, never the password, exit 3', () => {
    const result = runMain(['--database-url', 'postgres://hub:n0t-to-be-printed@127.0.0.1:1/hub']);
    expect(result.code).toBe(3);
    expect(oneLine(result.stderr)).toEqual(['approval-hub: Cannot open the PostgreSQL database at 127.0.0.1:1/hub: nothing is listening there (is PostgreSQL running, and on that port?) (ECONNREFUSED)']);
    expect(result.stdout + result.stderr).not.toContain('n0t-to-be-printed');
  });

  it('a database that does not exist (DATABASE_URL from the environment): one line, exit 3', () => {
    const missing = new URL(database.url);
    missing.pathname = '/no_such_database';
    const result = runMain([], { DATABASE_URL: withPassword(missing.toString()) });
    expect(result.code).toBe(3);
    expect(oneLine(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/Cannot open the PostgreSQL database at 127\.0\.0\.1:\d+\/no_such_database: the database does not exist/);
    expect(result.stderr).not.toContain('n0t-to-be-printed');
  });

  it('a SQLite path and a PostgreSQL URL at once is an error, on the command line and in the environment', () => {
    const both = runMain(['--db', path.join(dir, 'x.db'), '--database-url', database.url]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/either --db PATH \(SQLite\) or --database-url URL \(PostgreSQL\), not both/);
    const env = runMain([], { HUB_DB: path.join(dir, 'x.db'), DATABASE_URL: database.url });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/Both HUB_DB .* and DATABASE_URL .* are set/);
  });

  it('serves on PostgreSQL, masks the password in its banner, and `audit verify|head --database-url` check what it wrote', async () => {
    const url = withPassword(database.url);
    const hub = startHubProcess(['--config', configFile, '--port', '0', '--no-demo', '--database-url', url]);
    try {
      const base = await hub.ready;
      expect(hub.output()).toMatch(/\(PostgreSQL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/hub_/);
      expect(hub.output()).not.toContain('n0t-to-be-printed');
      const response = await fetch(`${base}/api/approvals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' },
        body: JSON.stringify(newRequest()),
      });
      expect(response.status).toBe(201);
      const health = await fetch(`${base}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await hub.stop()).toBe(0);
    }
    const head = runCli(['audit', 'head', '--database-url', url]);
    expect(head.code).toBe(0);
    const parsed = JSON.parse(head.stdout) as { seq: number; hash: string };
    expect(parsed.seq).toBeGreaterThanOrEqual(1);
    const verified = runCli(['audit', 'verify', '--database-url', url, '--head', `${parsed.seq}:${parsed.hash}`]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, checked: parsed.seq, statesChecked: 1 });
  });

  it('`audit verify` on a database no hub set up, or an unreachable one: one line, exit 2, nothing created', async () => {
    const empty = await freshDatabase();
    try {
      const result = runCli(['audit', 'verify', '--database-url', empty.url]);
      expect(result.code).toBe(2);
      expect(oneLine(result.stderr)).toEqual([expect.stringMatching(/No approval hub data in the PostgreSQL database at .*: nothing to verify/)]);
      // Still nothing there: a second look finds the same.
      expect(runCli(['audit', 'verify', '--database-url', empty.url]).code).toBe(2);
    } finally {
      await empty.drop();
    }
    const unreachable = runCli(['audit', 'verify', '--database-url', 'postgres://hub:n0t-to-be-printed@127.0.0.1:1/hub']);
    expect(unreachable.code).toBe(2);
    expect(oneLine(unreachable.stderr)).toHaveLength(1);
    expect(unreachable.stderr).not.toContain('n0t-to-be-printed');
  });
});
