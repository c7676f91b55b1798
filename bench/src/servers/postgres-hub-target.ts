import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { processTreeCpuMicros } from '../stats/process-tree-cpu.js';
import type { BenchTarget } from './bench-target.js';
import { listCpuProfiles, spawnHub } from './hub-target.js';
import { serverCluster } from './server-cluster.js';
import type { ServerProcess } from './server-process.js';

export interface PostgresHubTargetOptions {
  /** 1: one hub on PostgreSQL; 3: three hubs sharing one database, the load spread over them. */
  nodes: 1 | 3;
  workDir: string;
  /** A fresh database for this target alone. */
  databaseUrl: string;
  /** The postmaster's pid, so PostgreSQL's CPU is counted as the server's and not as foreign load. */
  postgresPid: number | null;
  agentTokens: number;
  reviewerTokens: number;
  cpuProfileDir?: string;
  mainScript?: string;
  nodeArgs?: string[];
}

/** The hub on PostgreSQL: one process, or several on the same database (each with its own pool and listener). */
export function postgresHubTarget(options: PostgresHubTargetOptions): BenchTarget {
  const id = options.nodes === 1 ? 'hub-postgres' : 'hub-postgres-3';
  const dir = path.join(options.workDir, id);
  mkdirSync(dir, { recursive: true });
  const postgresPid = options.postgresPid;
  const databaseCpuMicros = postgresPid === null ? undefined : () => processTreeCpuMicros(postgresPid);

  return {
    id,
    async start(port = 0) {
      if (options.nodes > 1 && port !== 0) throw new Error(`${id} cannot be restarted on a fixed port`);
      const nodes: ServerProcess[] = [];
      try {
        // One after another: the first applies the migrations, the others find them done.
        for (let n = 0; n < options.nodes; n++) {
          nodes.push(
            await spawnHub({
              name: `hub-${n + 1}`,
              dir,
              port,
              database: { kind: 'postgres', url: options.databaseUrl },
              agentTokens: options.agentTokens,
              reviewerTokens: options.reviewerTokens,
              ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
              ...(options.mainScript ? { mainScript: options.mainScript } : {}),
              ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
            }),
          );
        }
      } catch (error) {
        await Promise.all(nodes.map((n) => n.kill()));
        throw error;
      }
      return serverCluster(nodes, databaseCpuMicros);
    },
    async databaseBytes() {
      const client = new pg.Client({ connectionString: options.databaseUrl });
      await client.connect();
      try {
        // Take the figure after a checkpoint, as the SQLite figure is taken after a clean stop.
        await client.query('CHECKPOINT').catch(() => undefined);
        const { rows } = await client.query<{ bytes: string }>('SELECT pg_database_size(current_database()) AS bytes');
        return Number(rows[0]!.bytes);
      } finally {
        await client.end();
      }
    },
    walBytes: () => null,
    cpuProfiles: () => listCpuProfiles(options.cpuProfileDir),
  };
}
