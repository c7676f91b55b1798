import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApprovalDetail, ApprovalRecord } from '@approval-hub/protocol';
import { freePort } from '@approval-hub/test-ports';

/** Tokens the spawned hub accepts. Each is at least 16 characters, as the hub requires. */
export const AGENT_TOKEN = 'test-agent-token-0001';
export const SECOND_AGENT_TOKEN = 'test-agent-token-0002';
export const REVIEWER_TOKEN = 'test-reviewer-token-0001';

export interface StartHubOptions {
  /** Extra hub config (merged over the defaults: the tokens above, `logLevel: 'warn'`, no demo). */
  config?: Record<string, unknown>;
  /** How long to wait for `/api/health`. Default 20 s. */
  startTimeoutMs?: number;
  /** Run on this PostgreSQL database (`--database-url`) instead of a SQLite file of its own: several nodes may share it. */
  databaseUrl?: string;
}

export interface ReviewerDecision {
  approved: boolean;
  reason?: string;
  args?: Record<string, unknown>;
}

/** A real hub CLI running as a child process, with a reviewer's REST access. */
export interface HubProcess {
  readonly url: string;
  readonly port: number;
  readonly dbPath: string;
  readonly agentToken: string;
  readonly reviewerToken: string;
  /** Stops the process (SIGTERM, or SIGKILL for a crash); the database stays for `start()`. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the process again, on the same port and database. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): sockets stay open but nothing is answered, as with a lost ack. */
  pause(): void;
  /** Lets a paused process go on (SIGCONT). */
  resume(): void;
  /** Deletes the database while the hub is stopped, as if it were restored from an older copy. */
  wipeDatabase(): void;
  /** Stops the process and removes its folder. */
  dispose(): Promise<void>;
  /** Pending requests, oldest deadline first. */
  pending(): Promise<ApprovalRecord[]>;
  /** Polls until a pending request matches (by default: any), and returns it. */
  waitForPending(match?: (record: ApprovalRecord) => boolean, timeoutMs?: number): Promise<ApprovalRecord>;
  /** Decides as the reviewer, through `POST /api/approvals/:id/decision`. */
  decide(requestId: string, decision: ReviewerDecision): Promise<ApprovalRecord>;
  /** The request with its audit timeline, or null when the hub does not know it. */
  get(requestId: string): Promise<ApprovalDetail | null>;
  /** Every request the reviewer can see, newest first (first page of 500). */
  list(query?: Record<string, string>): Promise<ApprovalRecord[]>;
  /** What the hub printed, for failure messages. */
  output(): string;
}

// The built entry, also when the caller resolves with the `source` condition (the hub's entry is then src/index.ts).
const HUB_MAIN = join(dirname(createRequire(import.meta.url).resolve('@approval-hub/hub')).replace(/[\\/]src$/, '/dist'), 'main.js');

/** Spawns `node apps/hub/dist/main.js --config … --db … --port … --no-demo` and waits until it is healthy. */
export async function startHub(options: StartHubOptions = {}): Promise<HubProcess> {
  const folder = mkdtempSync(join(tmpdir(), 'approval-hub-test-'));
  const configPath = join(folder, 'hub.json');
  const dbPath = join(folder, 'hub.db');
  const port = await freePort();
  const config = {
    logLevel: 'warn',
    tokens: [
      { token: AGENT_TOKEN, role: 'agent', name: 'test-agent' },
      { token: SECOND_AGENT_TOKEN, role: 'agent', name: 'other-agent' },
      { token: REVIEWER_TOKEN, role: 'reviewer', name: 'Rita Reviewer' },
    ],
    ...options.config,
  };
  writeFileSync(configPath, JSON.stringify(config));
  const url = `http://127.0.0.1:${port}`;
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let child: ChildProcess | null = null;
  let output = '';

  const rest = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    // The hub rate-limits REST per token too; a test hub configured to limit agents would otherwise refuse the reviewer.
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${REVIEWER_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      if (response.status === 429 && attempt < 50) {
        await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      return { status: response.status, body: (await response.json()) as T };
    }
  };

  const hub: HubProcess = {
    url,
    port,
    dbPath,
    agentToken: AGENT_TOKEN,
    reviewerToken: REVIEWER_TOKEN,
    async start() {
      if (child) throw new Error('the hub is already running');
      const database = options.databaseUrl ? ['--database-url', options.databaseUrl] : ['--db', dbPath];
      const spawned = spawn(process.execPath, [HUB_MAIN, '--config', configPath, ...database, '--port', String(port), '--no-demo'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      spawned.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<never>((_resolve, reject) =>
        spawned.once('exit', (code) => reject(new Error(`the hub exited with code ${code} before it was healthy:\n${output}`))),
      );
      exited.catch(() => undefined);
      await Promise.race([waitUntilHealthy(url, startTimeoutMs), exited]);
    },
    async stop(signal = 'SIGTERM') {
      const running = child;
      child = null;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill(signal);
      if (signal === 'SIGTERM') running.kill('SIGCONT'); // a paused hub handles SIGTERM only once it runs again
      await exited;
    },
    pause() {
      if (!child) throw new Error('the hub is not running');
      child.kill('SIGSTOP');
    },
    resume() {
      if (!child) throw new Error('the hub is not running');
      child.kill('SIGCONT');
    },
    wipeDatabase() {
      if (child) throw new Error('stop the hub first');
      // The `.lock` beside it remembers the last audit head: a hub refuses a database that lost it, unless the lock
      // goes too (starting over on purpose).
      for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(`${dbPath}${suffix}`, { force: true });
    },
    async dispose() {
      await hub.stop();
      rmSync(folder, { recursive: true, force: true });
    },
    async pending() {
      return hub.list({ status: 'pending' });
    },
    async list(query = {}) {
      const params = new URLSearchParams({ limit: '500', ...query });
      const { status, body } = await rest<{ items: ApprovalRecord[] }>('GET', `/api/approvals?${params}`);
      if (status !== 200) throw new Error(`GET /api/approvals answered ${status}: ${JSON.stringify(body)}`);
      return body.items;
    },
    async waitForPending(match = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await hub.pending()).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching pending request within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async decide(requestId, decision) {
      const { status, body } = await rest<ApprovalRecord>('POST', `/api/approvals/${encodeURIComponent(requestId)}/decision`, decision);
      if (status !== 200) throw new Error(`deciding ${requestId} answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    async get(requestId) {
      const { status, body } = await rest<ApprovalDetail>('GET', `/api/approvals/${encodeURIComponent(requestId)}`);
      if (status === 404) return null;
      if (status !== 200) throw new Error(`GET ${requestId} answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },
    output: () => output,
  };
  await hub.start();
  return hub;
}

async function waitUntilHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`the hub at ${url} was not healthy within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
