import { afterAll, describe, expect, it } from 'vitest';
import { CrashPoint } from '../../src/runtime/crash-hook.js';
import { killPlansFor, runCrashScenario, type KillPlan, type ScenarioReport } from '../support/crash-harness.js';
import { chaosSeed, seededRandom, type Random } from '../support/seeded-random.js';

/**
 * The long crash profile (`pnpm test:chaos`). Three kinds of run, each on a fresh database, each ending with the
 * invariants checked against the database and the audit chain verified by the built CLI:
 * - each crash point, several rounds: the point first, then random-timing kills;
 * - mixed runs: point kills at any point (also while the restarted hub expires what fell due, before it listens)
 *   interleaved with random ones;
 * - random only: kills from outside at random moments, some a few milliseconds apart.
 * CHAOS_SEED replays a run; CHAOS_ROUNDS scales it (default 4).
 */
const seed = chaosSeed();
const rounds = Number(process.env.CHAOS_ROUNDS ?? 4);
const reports: ScenarioReport[] = [];

function mixedPlans(rng: Random, count: number): KillPlan[] {
  return Array.from({ length: count }, () =>
    rng.chance(0.5) ? killPlansFor(rng.pick(CrashPoint.options), rng, 0)[0]! : { kind: 'random' as const, afterMs: rng.int(20, 2000) },
  );
}

async function run(scenarioSeed: number, kills: KillPlan[]) {
  const report = await runCrashScenario({ seed: scenarioSeed, kills, verifyWithCli: true, agents: 4, reviewers: 3 });
  reports.push(report);
  expect(report.violations, `replay with CHAOS_SEED=${seed}`).toEqual([]);
  return report;
}

afterAll(() => {
  const kills = reports.flatMap((r) => r.kills);
  const byPoint = new Map<string, number>();
  for (const k of kills) {
    const key = k.plan.kind === 'point' && k.how === 'point' ? k.plan.point : k.how;
    byPoint.set(key, (byPoint.get(key) ?? 0) + 1);
  }
  console.log(
    `[chaos crash] seed ${seed}: ${kills.length} SIGKILLs in ${reports.length} runs (${[...byPoint].map(([k, n]) => `${k} ${n}`).join(', ')}), ` +
      `${reports.reduce((n, r) => n + r.requests, 0)} requests, ${reports.reduce((n, r) => n + r.resentBySdk, 0)} re-sent by the SDK, ` +
      `${reports.reduce((n, r) => n + r.reviewerAcks, 0)} reviewer decisions acked, ${reports.reduce((n, r) => n + r.expired, 0)} deadlines fired, ` +
      `${reports.reduce((n, r) => n + r.violations.length, 0)} violations, ${Math.round(reports.reduce((n, r) => n + r.durationMs, 0) / 1000)} s`,
  );
});

describe('chaos: SIGKILL at every crash point, many times, with random timing', () => {
  for (let round = 0; round < rounds; round++) {
    it.each(CrashPoint.options.map((point, i) => [point, i] as const))(`round ${round}: %s, then two random kills`, async (point, i) => {
      const scenarioSeed = seed + round * 100 + i;
      const report = await run(scenarioSeed, killPlansFor(point, seededRandom(scenarioSeed), 2));
      expect(report.kills[0]!.how).toBe('point');
    });
  }

  it.each(Array.from({ length: rounds * 2 }, (_, i) => i))('mixed run %i: six kills, points and random, in any order', async (i) => {
    const scenarioSeed = seed + 10_000 + i;
    await run(scenarioSeed, mixedPlans(seededRandom(scenarioSeed), 6));
  });

  it.each(Array.from({ length: rounds }, (_, i) => i))('random run %i: five kills from outside, some in quick succession', async (i) => {
    const scenarioSeed = seed + 20_000 + i;
    const rng = seededRandom(scenarioSeed);
    await run(scenarioSeed, Array.from({ length: 5 }, () => ({ kind: 'random' as const, afterMs: rng.chance(0.3) ? rng.int(5, 80) : rng.int(100, 2500) })));
  });
});
