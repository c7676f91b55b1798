import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchTarget } from './bench-target.js';
import { hubTokens } from './bench-tokens.js';
import { spawnServer } from './server-process.js';

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
}

/** The hub as shipped, as a separate process, with rate limits raised so they never shape the load. */
export function hubTarget(options: HubTargetOptions): BenchTarget {
  const id = options.durability === 'full' ? 'hub-full' : 'hub-normal';
  const dir = path.join(options.workDir, id);
  mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'hub.db');
  const configFile = path.join(dir, 'hub-config.json');
  const tokens = hubTokens(options.agentTokens, options.reviewerTokens);

  return {
    id,
    async start(port = 0) {
      const config = {
        port,
        host: '127.0.0.1',
        dbPath,
        durability: options.durability,
        tokens,
        // Rate limits and quotas raised so they never shape the load.
        limits: { maxPayloadBytes: 65_536, ratePerSecond: 100_000, rateBurst: 100_000, maxPendingPerAgent: 1_000_000, maxPendingPerQueue: 1_000_000 },
        approval: { defaultTimeoutMs: 300_000 },
        logLevel: 'warn',
      };
      writeFileSync(configFile, JSON.stringify(config));
      const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
      return spawnServer({
        name: `hub (${options.durability})`,
        nodeArgs,
        script: options.mainScript ?? hubMainScript(),
        args: ['--config', configFile, '--no-demo'],
        logFile: path.join(dir, 'hub.log'),
      });
    },
    databaseBytes() {
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
      const profileDir = options.cpuProfileDir;
      if (!profileDir || !existsSync(profileDir)) return [];
      return readdirSync(profileDir)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => path.join(profileDir, f));
    },
  };
}
