import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase } from '@approval-hub/test-postgres';
import { inject } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const START = path.join(ROOT, 'deploy/start-local-cluster.sh');
const STOP = path.join(ROOT, 'deploy/stop-local-cluster.sh');
const HUB_MAIN = path.join(ROOT, 'apps/hub/dist/main.js');
const HUB_CLI = path.join(ROOT, 'apps/hub/bin/approval-hub.js');
const run = promisify(execFile);

export interface ClusterNode {
  readonly url: string;
  pid: number;
  readonly port: number;
  readonly log: string;
}

interface Token {
  token: string;
  role: 'admin' | 'reviewer' | 'agent';
  name: string;
}

/** The reference deployment (deploy/start-local-cluster.sh) on a fresh database of the test PostgreSQL server. */
export interface Cluster {
  /** nginx, the load balancer. */
  readonly url: string;
  readonly nodes: ClusterNode[];
  readonly databaseUrl: string;
  /** The deployment's folder (cluster.json, hub.json: the config every node reads). */
  readonly dir: string;
  readonly configFile: string;
  readonly tokens: { admin: string; reviewer: string; agent: string };
  /** What deploy/start-local-cluster.sh printed (its last line is the state folder). */
  readonly startOutput: string;
  /** SIGKILLs a node (no goodbye to anyone). */
  kill(index: number): Promise<void>;
  /** Starts a killed node again on its port. */
  restart(index: number): Promise<void>;
  /** REST as the reviewer (or another role) against one node or the balancer. */
  rest<T>(base: string, method: string, route: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** `approval-hub audit verify` on the shared database. */
  verifyAudit(): Promise<{ ok: boolean; output: string }>;
  stop(): Promise<void>;
}

async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range for the cluster');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function healthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} was not healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startCluster(options: { nodes?: number } = {}): Promise<Cluster> {
  const nodeCount = options.nodes ?? 3;
  const databaseUrl = await createDatabase(inject('postgresUrl'));
  const dir = mkdtempSync(path.join(tmpdir(), 'approval-hub-cluster-'));
  const port = await freeRange(nodeCount + 1);
  let startOutput: string;
  try {
    ({ stdout: startOutput } = await run('bash', [START, '--dir', dir, '--nodes', String(nodeCount), '--port', String(port), '--database-url', databaseUrl], { timeout: 60_000 }));
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`the cluster did not start: ${e.stderr || e.stdout || e.message}`);
  }
  const state = JSON.parse(readFileSync(path.join(dir, 'cluster.json'), 'utf8')) as { url: string; nodes: { url: string; pid: number; log: string }[]; configFile: string };
  const tokenList = JSON.parse(readFileSync(path.join(dir, 'tokens.json'), 'utf8')) as Token[];
  const tokenOf = (role: Token['role']) => tokenList.find((t) => t.role === role)!.token;
  const tokens = { admin: tokenOf('admin'), reviewer: tokenOf('reviewer'), agent: tokenOf('agent') };
  const nodes: ClusterNode[] = state.nodes.map((n) => ({ ...n, port: Number(new URL(n.url).port) }));

  const cluster: Cluster = {
    url: state.url,
    nodes,
    databaseUrl,
    dir,
    configFile: state.configFile,
    tokens,
    startOutput,
    async kill(index) {
      const node = nodes[index]!;
      try {
        process.kill(node.pid, 'SIGKILL');
      } catch {
        return;
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(node.pid, 0);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async restart(index) {
      const node = nodes[index]!;
      const child = spawn(process.execPath, [HUB_MAIN, '--config', state.configFile, '--port', String(node.port), '--no-demo'], {
        env: { ...process.env, DATABASE_URL: databaseUrl },
        stdio: 'ignore',
        detached: true,
      });
      child.unref();
      node.pid = child.pid!;
      await healthy(node.url, 30_000);
    },
    async rest(base, method, route, body, token = tokens.reviewer) {
      // The hub rate-limits REST per token (100/s, bursts of 200): a check of hundreds of requests waits its turn,
      // as test-hub-process's reviewer does.
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${base}${route}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        const text = await response.text();
        if (response.status === 429 && attempt < 100) {
          await new Promise((r) => setTimeout(r, 50));
          continue;
        }
        return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
      }
    },
    async verifyAudit() {
      try {
        const { stdout, stderr } = await run(process.execPath, [HUB_CLI, 'audit', 'verify', '--database-url', databaseUrl], { timeout: 120_000 });
        return { ok: true, output: stdout + stderr };
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string; message: string };
        return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
      }
    },
    async stop() {
      await run('bash', [STOP, dir]).catch(() => undefined);
      for (const node of nodes) {
        try {
          process.kill(node.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
