// Starts a real hub (apps/hub/dist/main.js) on a free port with its demo agents, and reads the
// console sign-in URL it prints. Used by the screenshot script.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@approval-hub/test-ports';

/** @returns {Promise<{ url: string, signInUrl: string, log: () => string, stop: () => Promise<void> }>} */
export async function startHub(repoRoot, { extraArgs = [], timeoutMs = 30_000 } = {}) {
  const main = path.join(repoRoot, 'apps/hub/dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: build the hub first (pnpm --filter @approval-hub/hub build)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'approval-hub-console-'));
  const port = await freePort();
  const child = spawn(process.execPath, [main, '--port', String(port), '--db', path.join(dir, 'hub.db'), ...extraArgs], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));

  const signInUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub printed no sign-in URL within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      const match = /Console sign-in: (\S+#token=\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code} before printing a sign-in URL:\n${output}`));
    });
  });

  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  return { url: new URL(signInUrl).origin, signInUrl, log: () => output, stop };
}
