import type { ServerProcess } from './server-process.js';

/** Several server processes measured as one: stopped, killed and sampled together. */
export function serverCluster(nodes: readonly ServerProcess[], databaseCpuMicros?: () => number): ServerProcess {
  const first = nodes[0];
  if (!first) throw new Error('a cluster needs at least one node');
  return {
    url: first.url,
    nodeUrls: nodes.map((n) => n.url),
    port: first.port,
    pid: first.pid,
    startupMs: Math.max(...nodes.map((n) => n.startupMs)),
    async stop(graceMs) {
      await Promise.all(nodes.map((n) => n.stop(graceMs)));
    },
    async kill() {
      await Promise.all(nodes.map((n) => n.kill()));
    },
    ...(databaseCpuMicros ? { databaseCpuMicros } : {}),
  };
}
