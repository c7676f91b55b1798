import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubConfigInput } from '../../src/config.js';
import { freePort } from '@approval-hub/test-ports';

/** The built hub (`pnpm build`; turbo builds it before `test`). */
const HUB_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** The real hub CLI in its own process, so its memory can be measured apart from the test's. */
export interface HubProcess {
  url: string;
  pid: number;
  dbPath: string;
  /** Resident set size of the hub process, in bytes (Linux /proc). */
  rss(): number;
  close(): Promise<void>;
}

export async function startHubProcess(config: HubConfigInput): Promise<HubProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-limits-'));
  const configPath = path.join(dir, 'hub.json');
  const dbPath = path.join(dir, 'hub.db');
  writeFileSync(configPath, JSON.stringify({ demo: { enabled: false }, logLevel: 'warn', ...config, dbPath }));
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [HUB_MAIN, '--config', configPath, '--port', String(port), '--no-demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the hub exited before it was healthy:\n${output}`);
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > until) throw new Error(`the hub never became healthy:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    dbPath,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
