import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./crash-writer.mjs', import.meta.url));
const storeModules = {
  sqlite: fileURLToPath(new URL('../../dist/store/sqlite/sqlite-store.js', import.meta.url)),
  postgres: fileURLToPath(new URL('../../dist/store/postgres/postgres-store.js', import.meta.url)),
};

/**
 * Runs a built store in a child process that writes until it dies by SIGKILL with writes in flight: SQLite at its
 * crash point inside a transaction, PostgreSQL killed from outside once `killAfter` writes have settled.
 */
export function crashWhileWriting(kind: 'sqlite' | 'postgres', location: string, killAfter = 40): Promise<void> {
  const child = spawn(process.execPath, [script, kind, location, storeModules[kind]], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    const settled = Number(chunk.toString().trim().split('\n').at(-1));
    if (kind === 'postgres' && settled >= killAfter) child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`the crash writer ended without being killed: ${errors}`));
    });
  });
}
