import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { connectShape, disconnectAll } from '../scenarios/connect-shape.js';
import { describeShape } from '../scenarios/load-shape.js';
import { runSoak, type SoakResult, type SoakSettings } from '../scenarios/soak.js';
import type { BenchTarget } from '../servers/bench-target.js';
import type { ServerHolder } from './server-holder.js';
import type { Log } from './suite-log.js';

const mb = (bytes: number | null) => (bytes === null ? '–' : `${(bytes / 1024 / 1024).toFixed(1)} MB`);

/** A fresh server under a steady load, window by window. */
export async function runSoakSession(target: BenchTarget, profile: BenchProfile, settings: SoakSettings, pool: WorkerPool, holder: ServerHolder, log: Log): Promise<SoakResult> {
  const server = holder.add(await target.start());
  const { plans } = await connectShape(pool, server, profile.fixed.shape);
  log(`${target.id}: soak, ${describeShape(profile.fixed.shape)} @ ${settings.ratePerSecond}/s for ${settings.durationMs / 1000} s`);
  const result = await runSoak(pool, server, target, plans, settings);
  log(
    `  p99 per ${settings.windowMs / 1000} s window: ${result.windows.map((w) => w.p99.toFixed(1)).join(', ')} ms; median ${result.medianWindowP99.toFixed(1)}, worst ${result.worstWindowP99.toFixed(1)} (${result.flat ? 'flat' : 'NOT flat'}); WAL max ${mb(result.walMaxBytes)}, at the end ${mb(result.walEndBytes)}; ${result.incomplete} incomplete, ${result.errors} errors`,
  );
  await disconnectAll(pool, server.url);
  await holder.stop(server);
  return result;
}
