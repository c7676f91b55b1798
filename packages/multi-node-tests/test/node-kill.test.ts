import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type Cluster } from './support/cluster.js';
import { runNodeKill } from './support/node-kill.js';

// Once in `pnpm test`; `pnpm test:chaos` runs it many times at random moments (test/chaos/node-kills.test.ts).
let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

it('SIGKILL of one of three nodes under steady load: nothing acknowledged is lost, nothing decided twice, every decision delivered', async () => {
  const outcome = await runNodeKill(cluster, { durationMs: 6000, killAtMs: 2500, victim: 1, agents: 6, ratePerSecond: 40 });
  console.log(
    `node kill: ${outcome.asked} asked, ${outcome.answered} answered; lost ${outcome.failed.length + outcome.missing.length}, decided twice ${outcome.doubleDecided.length}, undelivered ${outcome.undelivered.length}, mismatched ${outcome.mismatched.length}; reviewer calls cut by the kill ${outcome.reviewerErrors}`,
  );
  expect(outcome.failed).toEqual([]);
  expect(outcome.missing).toEqual([]);
  expect(outcome.doubleDecided).toEqual([]);
  expect(outcome.undelivered).toEqual([]);
  expect(outcome.mismatched).toEqual([]);
  expect(outcome.answered).toBe(outcome.asked);
  const verified = await cluster.verifyAudit();
  expect(verified.ok, verified.output).toBe(true);
});
