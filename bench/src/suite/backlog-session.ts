import path from 'node:path';
import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { seedBacklog } from '../scenarios/backlog-seed.js';
import { connectShape, disconnectAll } from '../scenarios/connect-shape.js';
import { describeShape } from '../scenarios/load-shape.js';
import { runMeasuredStep, type StepMeasurement } from '../scenarios/measured-step.js';
import type { QuietMeasurer } from '../scenarios/quiet-measure.js';
import { hubMainScript, hubTarget } from '../servers/hub-target.js';
import type { ServerHolder } from './server-holder.js';
import { describeStep, type Log } from './suite-log.js';

export interface BacklogRun {
  pending: number;
  seedMs: number;
  step: StepMeasurement;
}

export interface BacklogResult {
  empty: BacklogRun;
  loaded: BacklogRun;
  /** p99 with the backlog ÷ p99 without: create = the agent's ack, decide = decision to agent, and the whole round trip. */
  ratios: { create: number; decide: number; roundTrip: number };
}

const ratio = (loaded: number, empty: number) => (empty > 0 ? Math.round((loaded / empty) * 100) / 100 : 0);

/**
 * The same rate on hub-normal twice, each on a fresh database: once empty, once holding `backlog.pending` pending
 * requests spread over the load's agents and queues. What a request, a decision and a delivery cost must not grow
 * with the work the hub holds, so the p99 ratios should stay near 1.
 */
export async function runBacklogSession(
  profile: BenchProfile,
  workDir: string,
  hubMain: string | null,
  hubNodeArgs: string[],
  pool: WorkerPool,
  holder: ServerHolder,
  quiet: QuietMeasurer,
  log: Log,
): Promise<BacklogResult> {
  const { settings, step } = profile.backlog;
  const runs: BacklogRun[] = [];
  for (const pending of [0, settings.pending]) {
    const dir = path.join(workDir, `backlog-${pending}`);
    const target = hubTarget({ durability: 'normal', workDir: dir, agentTokens: profile.fixed.shape.agents, reviewerTokens: profile.fixed.shape.reviewers, ...(hubMain ? { mainScript: hubMain } : {}), ...(hubNodeArgs.length > 0 ? { nodeArgs: hubNodeArgs } : {}) });
    const seedMs = pending > 0 ? await seedBacklog(hubMain ?? hubMainScript(), path.join(dir, 'hub-normal', 'hub.db'), { ...settings, pending }) : 0;
    if (pending > 0) log(`backlog: ${pending} pending requests seeded through the store in ${seedMs} ms`);
    const server = holder.add(await target.start());
    const { plans } = await connectShape(pool, server, profile.fixed.shape);
    await runMeasuredStep(pool, server, plans, { ...step, ratePerSecond: Math.round(step.ratePerSecond / 2), durationMs: 1000, warmupMs: 0 });
    const measured = await quiet.measure(() => runMeasuredStep(pool, server, plans, step), (s) => log(describeStep('backlog step disturbed, measuring again', s)));
    log(describeStep(`backlog ${pending}, ${describeShape(profile.fixed.shape)} @ ${step.ratePerSecond}/s`, measured));
    runs.push({ pending, seedMs, step: measured });
    await disconnectAll(pool, server.url);
    await holder.stop(server);
  }
  const [empty, loaded] = runs as [BacklogRun, BacklogRun];
  const p99 = (run: BacklogRun, name: 'ack' | 'decisionToAgent' | 'roundTrip') => run.step.latencyMs[name].p99;
  return {
    empty,
    loaded,
    ratios: {
      create: ratio(p99(loaded, 'ack'), p99(empty, 'ack')),
      decide: ratio(p99(loaded, 'decisionToAgent'), p99(empty, 'decisionToAgent')),
      roundTrip: ratio(p99(loaded, 'roundTrip'), p99(empty, 'roundTrip')),
    },
  };
}
