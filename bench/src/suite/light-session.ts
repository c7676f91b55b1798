import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { connectShape, disconnectAll } from '../scenarios/connect-shape.js';
import { runIdleConnections, type IdleResult } from '../scenarios/idle-connections.js';
import { describeShape } from '../scenarios/load-shape.js';
import { runMeasuredStep, type StepMeasurement } from '../scenarios/measured-step.js';
import type { QuietMeasurer } from '../scenarios/quiet-measure.js';
import type { BenchTarget } from '../servers/bench-target.js';
import type { ServerHolder } from './server-holder.js';
import { describeStep, type Log } from './suite-log.js';

export interface LightSessionResult {
  startupMs: number;
  idle: IdleResult | null;
  small: StepMeasurement;
  smallConnectMs: number;
}

/** A fresh server: thousands of idle agents (memory per connection), then 10 agents × 1 reviewer at a low rate. */
export async function runLightSession(
  target: BenchTarget,
  profile: BenchProfile,
  pool: WorkerPool,
  holder: ServerHolder,
  quiet: QuietMeasurer,
  log: Log,
): Promise<LightSessionResult> {
  const server = holder.add(await target.start());
  const startupMs = Math.round(server.startupMs);
  log(`${target.id}: up in ${startupMs} ms at ${server.url}`);

  let idle: IdleResult | null = null;
  if (profile.idle.targets.includes(target.id)) {
    const settings = profile.idle.settings;
    idle = await runIdleConnections(pool, server, settings, quiet);
    log(`  ${settings.idleAgents} idle agents connected in ${idle.connectMs} ms; ${idle.rssBytesPerConnection} B RSS, ${idle.heapBytesPerConnection} B heap per connection`);
    log(describeStep(`${describeShape({ ...settings.activeShape, idleAgents: settings.idleAgents })} @ ${settings.step.ratePerSecond}/s`, idle.step));
  }

  const { plans, connectMs } = await connectShape(pool, server, profile.small.shape);
  await runMeasuredStep(pool, server, plans, profile.small.warmup);
  const small = await quiet.measure(() => runMeasuredStep(pool, server, plans, profile.small.step), (s) => log(describeStep(`${target.id} disturbed, measuring again`, s)));
  log(describeStep(`${describeShape(profile.small.shape)} @ ${profile.small.step.ratePerSecond}/s`, small));
  await disconnectAll(pool, server.url);
  await holder.stop(server);
  return { startupMs, idle, small, smallConnectMs: connectMs };
}
