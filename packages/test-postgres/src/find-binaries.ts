import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, postgres) were not found. Install them, e.g. on Debian/Ubuntu: `apt-get install -y postgresql` ' +
  '(the binaries land in /usr/lib/postgresql/<version>/bin), or point PG_BIN at the folder holding initdb, ' +
  'or set PG_TEST_URL to a server the tests may create databases on (postgres://user:password@host:port/postgres).';

export class PostgresNotInstalledError extends Error {
  override name = 'PostgresNotInstalledError';
  constructor(detail: string) {
    super(`${INSTALL_HINT} (${detail})`);
  }
}

function hasServer(dir: string): boolean {
  return existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres'));
}

/**
 * The folder holding `initdb` and `postgres`: PG_BIN, then Debian's versioned folders (newest first), then
 * `pg_config --bindir`. Debian keeps the server binaries off PATH, so PATH alone is not enough.
 */
export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BIN) {
    if (hasServer(env.PG_BIN)) return env.PG_BIN;
    throw new PostgresNotInstalledError(`PG_BIN=${env.PG_BIN} holds no initdb and postgres`);
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = path.join(debian, version, 'bin');
      if (hasServer(dir)) return dir;
    }
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (hasServer(dir)) return dir;
  } catch {
    // No pg_config on PATH either.
  }
  throw new PostgresNotInstalledError(`looked in PG_BIN, ${debian}/*/bin and pg_config --bindir`);
}
