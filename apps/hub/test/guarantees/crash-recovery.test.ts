import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrashPoint } from '../../src/runtime/crash-hook.js';
import { killPlansFor, runCrashScenario, type ScenarioReport } from '../support/crash-harness.js';
import { crashMainPath } from '../support/run-cli.js';
import { chaosSeed, seededRandom } from '../support/seeded-random.js';

/**
 * The quick crash profile: at each crash point the hub is killed with SIGKILL once at the point (HUB_CRASH_AT)
 * and once more at a random moment from outside, restarted on the same database each time, while SDK agents and
 * reviewers keep working and reconnect on their own. `pnpm test:chaos` runs the same with many more kills.
 */
const seed = chaosSeed();
const reports: ScenarioReport[] = [];

beforeAll(() => {
  // These runs start the built hub, as an operator would; `pnpm test` builds first.
  expect(existsSync(crashMainPath), 'rebuild the hub: dist/ predates the test-only crash entry').toBe(true);
});

afterAll(() => {
  const kills = reports.flatMap((r) => r.kills);
  const violations = reports.reduce((n, r) => n + r.violations.length, 0);
  console.log(
    `[crash] seed ${seed}: ${kills.length} SIGKILLs (${kills.filter((k) => k.how === 'point').length} at a crash point, ` +
      `${kills.filter((k) => k.how === 'random').length} at a random moment, ${kills.filter((k) => k.how === 'fallback').length} fallbacks), ` +
      `${reports.reduce((n, r) => n + r.requests, 0)} requests, ${reports.reduce((n, r) => n + r.resentBySdk, 0)} re-sent by the SDK, ` +
      `${reports.reduce((n, r) => n + r.expired, 0)} deadlines fired, ${violations} violations`,
  );
});

describe('a hub killed with SIGKILL and restarted on the same database keeps every promise', () => {
  it.each(CrashPoint.options.map((point, i) => [point, i] as const))('killed at %s, then at a random moment', async (point, i) => {
    const scenarioSeed = seed + i;
    const report = await runCrashScenario({ seed: scenarioSeed, kills: killPlansFor(point, seededRandom(scenarioSeed), 1), verifyWithCli: i === 0 });
    reports.push(report);
    expect(report.violations, `replay with CHAOS_SEED=${seed}`).toEqual([]);
    expect(report.kills[0]!.how, `the hub never reached ${point}`).toBe('point');
  }, 90_000);
});
