import { afterAll, beforeAll, expect, it } from 'vitest';
import { seeded } from '../support/seeded.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { runNodeKill } from '../support/node-kill.js';

/**
 * Kills a node at random moments, many times: each round SIGKILLs one of three nodes under steady load, checks that
 * nothing acknowledged was lost, nothing decided twice and every decision delivered, then restarts it.
 * NODE_KILL_ROUNDS (default 12) sets how many; NODE_KILL_SEED replays a run.
 */
const ROUNDS = Number(process.env.NODE_KILL_ROUNDS ?? 12);
const SEED = Number(process.env.NODE_KILL_SEED ?? Date.now() % 1_000_000);

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ nodes: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

it(`${ROUNDS} node kills at random moments (seed ${SEED})`, async () => {
  const random = seeded(SEED);
  const totals = { kills: 0, asked: 0, violations: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const victim = Math.floor(random() * cluster.nodes.length);
    const durationMs = 4000 + Math.floor(random() * 3000);
    const killAtMs = 300 + Math.floor(random() * (durationMs - 600));
    const outcome = await runNodeKill(cluster, { durationMs, killAtMs, victim, agents: 6, ratePerSecond: 30 + Math.floor(random() * 40) });
    const violations = outcome.failed.length + outcome.missing.length + outcome.doubleDecided.length + outcome.undelivered.length + outcome.mismatched.length;
    totals.kills++;
    totals.asked += outcome.asked;
    totals.violations += violations;
    console.log(`round ${round + 1}: node ${victim + 1} killed at ${killAtMs} ms of ${durationMs}; ${outcome.asked} asked, ${violations} violations`);
    expect({ round, failed: outcome.failed, missing: outcome.missing, doubleDecided: outcome.doubleDecided, undelivered: outcome.undelivered, mismatched: outcome.mismatched }).toEqual({
      round,
      failed: [],
      missing: [],
      doubleDecided: [],
      undelivered: [],
      mismatched: [],
    });
    await cluster.restart(victim);
  }
  const verified = await cluster.verifyAudit();
  expect(verified.ok, verified.output).toBe(true);
  console.log(`node kills: ${totals.kills} kills, ${totals.asked} requests, ${totals.violations} violations (seed ${SEED})`);
});
