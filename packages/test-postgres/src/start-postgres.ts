import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase, databaseUrl, dropDatabase } from './create-database.js';
import { findPostgresBinaries } from './find-binaries.js';
import { freePort } from '@approval-hub/test-ports';

export interface PostgresServer {
  /** A superuser URL of the server's `postgres` database (for making and dropping databases). */
  readonly url: string;
  /** Makes a fresh, empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server this call started (and removes its files), or drops the databases made on PG_TEST_URL. */
  stop(): Promise<void>;
  /** The postmaster's process id, for a server this call started (undefined on PG_TEST_URL). */
  readonly pid?: number;
}

export interface StartPostgresOptions {
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
  /**
   * Server settings (`-c name=value`) over the test defaults, which trade durability for speed (fsync, synchronous
   * commit and full-page writes off). A benchmark turns them back on to measure what a deployment would run.
   */
  settings?: Record<string, string>;
}

const TEST_SETTINGS: Record<string, string> = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' };

/** The user initdb and postgres run as: they refuse to run as root, so root hands them to `postgres`. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('Running as root, PostgreSQL must run as another user, and there is no `postgres` user. Install Debian\'s `postgresql` package (it makes one) or run the tests as a normal user.');
  }
}

function run(binary: string, args: string[], user: { uid: number; gid: number } | null): void {
  try {
    execFileSync(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${path.basename(binary)} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`PostgreSQL exited while starting:\n${output()}`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms (${(error as Error).message}):\n${output()}`);
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Uses the server PG_TEST_URL names: databases made here are dropped again by `stop()`. */
function externalServer(url: string): PostgresServer {
  const made: string[] = [];
  return {
    url,
    createDatabase: async (name) => {
      const created = await createDatabase(url, name);
      made.push(decodeURIComponent(new URL(created).pathname.slice(1)));
      return created;
    },
    stop: async () => {
      for (const name of made.splice(0)) await dropDatabase(url, name);
    },
  };
}

/**
 * Starts a throwaway PostgreSQL cluster for tests: initdb into a temporary folder, the server on 127.0.0.1 at a
 * free port with its socket in that folder, fsync off (the data dies with the test run anyway). As root, both run
 * as the `postgres` user (spawned with its uid and gid, so signals reach the postmaster itself). With PG_TEST_URL
 * set, that server is used instead. Without PostgreSQL installed, it fails with how to install it.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const env = options.env ?? process.env;
  if (env.PG_TEST_URL) return externalServer(env.PG_TEST_URL);
  const bin = findPostgresBinaries(env);
  const user = serverUser();
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-pg-'));
  const data = path.join(dir, 'data');
  const socketDir = path.join(dir, 'socket');
  mkdirSync(socketDir);
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(socketDir, user.uid, user.gid);
  }
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions'], user);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    let output = '';
    const child = spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', socketDir, ...Object.entries({ ...TEST_SETTINGS, ...options.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
      { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    // If the test process dies without stopping us, the server goes too (immediate shutdown).
    const onExit = () => child.kill('SIGQUIT');
    process.once('exit', onExit);
    const url = databaseUrl(`postgres://postgres@127.0.0.1:${port}/`, 'postgres');
    try {
      await waitUntilReady(url, child, () => output, options.startTimeoutMs ?? 30_000);
    } catch (error) {
      process.off('exit', onExit);
      child.kill('SIGQUIT');
      // Another process took the port between our probe and the server's bind: try another.
      if (attempt < 3 && /could not (bind|create listen socket)/i.test(output)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    let stopped: Promise<void> | null = null;
    return {
      url,
      pid: child.pid!,
      createDatabase: (name) => createDatabase(url, name),
      stop: () =>
        (stopped ??= new Promise<void>((resolve) => {
          process.off('exit', onExit);
          const done = () => {
            rmSync(dir, { recursive: true, force: true });
            resolve();
          };
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', done);
          // Fast shutdown: ends open sessions, no checkpoint wait worth having on throwaway data.
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGQUIT'), 5000).unref();
        })),
    };
  }
}

