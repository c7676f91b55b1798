import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@approval-hub/test-ports';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const hubMain = path.join(repoRoot, 'apps/hub/dist/main.js');
export const proxyBin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
export const upstreamScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/test-upstream.mjs');

export interface ApprovalRecordLike {
  requestId: string;
  status: string;
  toolName: string;
  args: Record<string, unknown>;
  agentName: string;
  runId: string;
  queue: string;
  description?: string;
  decision?: { approved: boolean; args: Record<string, unknown>; modified: boolean; reason?: string };
}

export interface HubPolicy {
  rule: string;
  match: { toolName?: string; agentName?: string; queue?: string };
  action: 'approve' | 'deny';
  reason?: string;
}

export function tempDir(prefix = 'mcp-proxy-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Polls until `check` returns a value; fails after `timeoutMs` with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`Timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** A real hub process on its own port, database and config file. */
export class HubProcess {
  readonly dir = tempDir('mcp-proxy-hub-');
  readonly agentToken = `agent-token-${Math.random().toString(36).slice(2)}-xyz`;
  readonly reviewerToken = `reviewer-token-${Math.random().toString(36).slice(2)}-xyz`;
  port = 0;
  private child: ChildProcess | null = null;
  output = '';

  constructor(private readonly policies: HubPolicy[] = []) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    const config = {
      tokens: [
        { token: this.agentToken, role: 'agent', name: 'proxy-agent' },
        { token: this.reviewerToken, role: 'reviewer', name: 'Rita Reviewer' },
      ],
      approval: { policies: this.policies },
      logLevel: 'warn',
    };
    const configPath = path.join(this.dir, 'hub.json');
    writeFileSync(configPath, JSON.stringify(config));
    const child = spawn(process.execPath, [hubMain, '--config', configPath, '--db', path.join(this.dir, 'hub.db'), '--port', String(this.port), '--no-demo'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    await eventually(async () => ((await fetch(`${this.url}/api/health`)).status === 200 ? true : undefined), 15_000, 'hub health');
    return this;
  }

  /** Dies the way an OOM kill would: no shutdown, no flush beyond what was committed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  private async api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${this.reviewerToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async pending(): Promise<ApprovalRecordLike[]> {
    return (await this.api<{ items: ApprovalRecordLike[] }>('GET', '/api/approvals?status=pending&limit=500')).body.items;
  }

  async all(): Promise<ApprovalRecordLike[]> {
    return (await this.api<{ items: ApprovalRecordLike[] }>('GET', '/api/approvals?limit=500')).body.items;
  }

  async get(requestId: string): Promise<ApprovalRecordLike> {
    return (await this.api<ApprovalRecordLike>('GET', `/api/approvals/${encodeURIComponent(requestId)}`)).body;
  }

  /** Waits for a pending request of this tool (and matching `where`), as a reviewer watching the queue would. */
  async waitForPending(toolName: string, where: (r: ApprovalRecordLike) => boolean = () => true): Promise<ApprovalRecordLike> {
    return eventually(async () => (await this.pending()).find((r) => r.toolName === toolName && where(r)), 15_000, `a pending ${toolName} request`);
  }

  async decide(requestId: string, decision: { approved: boolean; reason?: string; args?: Record<string, unknown> }): Promise<ApprovalRecordLike> {
    const { status, body } = await this.api<ApprovalRecordLike>('POST', `/api/approvals/${encodeURIComponent(requestId)}/decision`, decision);
    if (status !== 200) throw new Error(`decision failed: ${status} ${JSON.stringify(body)}`);
    return body;
  }
}
