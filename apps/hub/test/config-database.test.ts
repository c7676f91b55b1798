import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../src/config.js';
import { describeDatabase } from '../src/store/open-store.js';

describe('config: which database', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-config-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (database: unknown) => {
    const name = path.join(dir, `hub-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(name, JSON.stringify({ database }));
    return name;
  };
  const pg = 'postgres://hub:secret@db.internal:5432/approval_hub';

  it('accepts postgres:// and postgresql:// URLs, with a host or a socket folder', () => {
    for (const url of [pg, 'postgresql://localhost/hub', 'postgres:///hub?host=/var/run/postgresql']) {
      expect(parseConfig({ database: { kind: 'postgres', url } }).database).toEqual({ kind: 'postgres', url });
    }
  });

  it('refuses anything else, saying what it must be and never repeating the URL', () => {
    for (const url of ['mysql://root:hunter22@localhost/hub', 'not a url', 'http://localhost:5432/hub', '']) {
      expect(() => parseConfig({ database: { kind: 'postgres', url } })).toThrow(/database\.url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    }
    expect(() => parseConfig({ database: { kind: 'postgres', url: 'mysql://root:hunter22@localhost/hub' } })).not.toThrow(/hunter22/);
    expect(() => parseConfig({ database: { kind: 'postgres', url: pg, durability: 'full' } })).toThrow(/durability/);
  });

  it('the command line beats the environment, which beats the file', () => {
    const sqliteFile = file({ kind: 'sqlite', path: 'hub.db' });
    expect(loadConfig(['--config', sqliteFile], { DATABASE_URL: pg }).config.database).toEqual({ kind: 'postgres', url: pg });
    expect(loadConfig(['--config', sqliteFile, '--db', '/tmp/cli.db'], { DATABASE_URL: pg }).config.database).toMatchObject({ kind: 'sqlite', path: '/tmp/cli.db' });
    const pgFile = file({ kind: 'postgres', url: pg });
    expect(loadConfig(['--config', pgFile], {}).config.database).toEqual({ kind: 'postgres', url: pg });
    expect(loadConfig(['--config', pgFile], { HUB_DB: '/tmp/env.db' }).config.database).toEqual({ kind: 'sqlite', path: '/tmp/env.db', durability: 'normal' });
    expect(loadConfig(['--config', pgFile, '--database-url', 'postgres://other/hub'], { HUB_DB: '/tmp/env.db' }).config.database).toEqual({ kind: 'postgres', url: 'postgres://other/hub' });
    // The old aliases in a file give way to a URL given from outside.
    const aliases = path.join(dir, 'aliases.json');
    writeFileSync(aliases, JSON.stringify({ dbPath: 'old.db', durability: 'full' }));
    expect(loadConfig(['--config', aliases], { DATABASE_URL: pg }).config.database).toEqual({ kind: 'postgres', url: pg });
  });

  it('a path and a URL at the same level is an error', () => {
    expect(() => loadConfig(['--db', 'x.db', '--database-url', pg], {})).toThrow(/not both/);
    expect(() => loadConfig([], { HUB_DB: 'x.db', DATABASE_URL: pg })).toThrow(/Both HUB_DB .* and DATABASE_URL/);
  });

  it('describes a PostgreSQL database without its password', () => {
    const text = describeDatabase({ kind: 'postgres', url: pg });
    expect(text).toBe('PostgreSQL postgres://hub:***@db.internal:5432/approval_hub');
  });
});
