import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './bench-target.js';
import { hubTokens } from './bench-tokens.js';
import { spawnServer, type ServerProcess } from './server-process.js';

/** The hub's entry point as built (`apps/hub/dist/main.js`), found through the workspace dependency. */
export function hubMainScript(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.resolve('@approval-hub/hub'))), 'main.js');
}

export interface HubTargetOptions {
  durability: 'normal' | 'full';
  workDir: string;
  agentTokens: number;
  reviewerTokens: number;
  /** When set, the hub runs under `node --cpu-prof` and writes its profile here on a clean exit. */
  cpuProfileDir?: string;
  /** Another build of the hub's `main.js` (a candidate fix, for A/B runs); defaults to the workspace's. */
  mainScript?: string;
  /** Extra `node` options for the hub process (`--hub-node-args`). */
  nodeArgs?: string[];
  /** `hub-base`: the baseline build of an A/B run (`--hub-base`), at `durability: "normal"`. */
  id?: 'hub-base';
}

export type HubDatabase = { kind: 'sqlite'; path: string; durability: 'normal' | 'full' } | { kind: 'postgres'; url: string };

export interface SpawnHubOptions {
  name: string;
  /** Where this hub's config file and log go. */
  dir: string;
  port: number;
  database: HubDatabase;
  agentTokens: number;
  reviewerTokens: number;
  cpuProfileDir?: string;
  mainScript?: string;
  nodeArgs?: string[];
}

/** One hub process as shipped, rate limits and quotas raised so they never shape the load. */
export function spawnHub(options: SpawnHubOptions): Promise<ServerProcess> {
  const configFile = path.join(options.dir, `${options.name}-config.json`);
  const config = {
    port: options.port,
    host: '127.0.0.1',
    database: options.database,
    tokens: hubTokens(options.agentTokens, options.reviewerTokens),
    limits: {
      maxPayloadBytes: 65_536,
      ratePerSecond: 100_000,
      rateBurst: 100_000,
      maxPendingPerAgent: 1_000_000,
      maxPendingPerQueue: 1_000_000,
      // Per-token byte budget at its ceiling: 10 agents sending 32 KB at 200/s would otherwise be refused.
      writeBytesPerMinute: 1024 * 1024 * 1024,
    },
    approval: { defaultTimeoutMs: 300_000 },
    logLevel: 'warn',
  };
  writeFileSync(configFile, JSON.stringify(config));
  const nodeArgs = [...(options.nodeArgs ?? []), ...(options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [])];
  return spawnServer({
    name: options.name,
    nodeArgs,
    script: options.mainScript ?? hubMainScript(),
    args: ['--config', configFile, '--no-demo'],
    logFile: path.join(options.dir, `${options.name}.log`),
  });
}

/** The hub as shipped on SQLite, as a separate process. */
export function hubTarget(options: HubTargetOptions): BenchTarget {
  const id = options.id ?? (options.durability === 'full' ? 'hub-full' : 'hub-normal');
  const dir = path.join(options.workDir, id);
  mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'hub.db');

  return {
    id,
    start(port = 0) {
      return spawnHub({
        name: 'hub',
        dir,
        port,
        database: { kind: 'sqlite', path: dbPath, durability: options.durability },
        agentTokens: options.agentTokens,
        reviewerTokens: options.reviewerTokens,
        ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
        ...(options.mainScript ? { mainScript: options.mainScript } : {}),
        ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      });
    },
    async databaseBytes() {
      let bytes = 0;
      for (const suffix of ['', '-wal', '-shm']) {
        const file = `${dbPath}${suffix}`;
        if (existsSync(file)) bytes += statSync(file).size;
      }
      return bytes;
    },
    walBytes() {
      const wal = `${dbPath}-wal`;
      return existsSync(wal) ? statSync(wal).size : 0;
    },
    cpuProfiles() {
      return listCpuProfiles(options.cpuProfileDir);
    },
  };
}

export function listCpuProfiles(profileDir: string | undefined): string[] {
  if (!profileDir || !existsSync(profileDir)) return [];
  return readdirSync(profileDir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(profileDir, f));
}
