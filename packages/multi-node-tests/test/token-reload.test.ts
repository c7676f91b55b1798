import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.js';

/**
 * Issue #24: revoking a token by reloading one node left it valid on the others. The reference deployment's
 * `deploy/reload-local-cluster.sh` reloads every node; a revoked token is refused everywhere once it has run.
 */
const RELOAD = fileURLToPath(new URL('../../../deploy/reload-local-cluster.sh', import.meta.url));
const run = promisify(execFile);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

async function statusOn(url: string, token: string): Promise<number> {
  return (await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('token reloads reach every node', () => {
  it('a token removed from the config and reloaded with the cluster command is refused on all three nodes', async () => {
    for (const node of cluster.nodes) expect(await statusOn(node.url, cluster.tokens.agent)).toBe(200);
    const config = JSON.parse(readFileSync(cluster.configFile, 'utf8')) as { tokens: { token: string }[] };
    config.tokens = config.tokens.filter((t) => t.token !== cluster.tokens.agent);
    writeFileSync(cluster.configFile, JSON.stringify(config, null, 2), { mode: 0o600 });
    const { stdout } = await run('bash', [RELOAD, cluster.dir]);
    expect(stdout.match(/^reloaded /gm)).toHaveLength(3);
    for (const node of cluster.nodes) await eventually(async () => (await statusOn(node.url, cluster.tokens.agent)) === 401);
    // Through the load balancer too, and the other tokens still work on every node.
    expect(await statusOn(cluster.url, cluster.tokens.agent)).toBe(401);
    for (const node of cluster.nodes) expect(await statusOn(node.url, cluster.tokens.reviewer)).toBe(200);
  });
});
