import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dollarQuoting } from '../../src/store/postgres/write-batch.js';
import { freshDatabase, type TestDatabase } from '../support/postgres.js';

describe('PostgreSQL: the audit batch quotes text with dollar quotes (write-batch.ts)', () => {
  let database: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    database = await freshDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('every value reads back byte for byte, whatever quotes, backslashes or dollar tags it holds', async () => {
    const values = [
      '',
      "'; DROP TABLE x; --",
      '\\ \\\\ \\" E\'\\n\'',
      '$$ $a$ $h$ $h0$ $fn$ $1 $',
      'ends with a dollar $',
      'ends with a tag start $h',
      'line\nbreaks\r\tand\u001fcontrol',
      'unicode ✓ 😀 \u2028',
      '$'.repeat(100),
    ];
    const quoted = dollarQuoting([...values, null]);
    const text = `SELECT ${[...values, null].map(quoted).join(', ')}`;
    const { rows } = await client.query<Record<string, string | null>>({ text, rowMode: 'array' } as pg.QueryConfig);
    expect(rows[0]).toEqual([...values, null]);
    // The tag is one no value contains, so no value can close its constant early.
    const tag = /^\$(h[0-9a-f]+)\$/.exec(quoted('x'))![1]!;
    for (const value of values) expect(value.includes(`$${tag}`)).toBe(false);
  });
});
