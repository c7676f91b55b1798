import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { connectShape, disconnectAll } from '../scenarios/connect-shape.js';
import { describeShape } from '../scenarios/load-shape.js';
import { runMeasuredStep, type StepMeasurement } from '../scenarios/measured-step.js';
import type { QuietMeasurer } from '../scenarios/quiet-measure.js';
import type { BenchTarget } from '../servers/bench-target.js';
import type { ServerHolder } from './server-holder.js';
import { describeStep, type Log } from './suite-log.js';

export interface PayloadResult {
  argsBytes: number;
  step: StepMeasurement;
  /** Database growth over the session divided by the requests it wrote, times 100,000 (extrapolated). */
  databaseBytesPer100k: number | null;
}

/** One session per payload size on the same database, so each size's growth on disk can be told apart. */
export async function runPayloadSessions(
  target: BenchTarget,
  profile: BenchProfile,
  pool: WorkerPool,
  holder: ServerHolder,
  quiet: QuietMeasurer,
  log: Log,
): Promise<PayloadResult[]> {
  const results: PayloadResult[] = [];
  for (const argsBytes of profile.payloads.sizes) {
    const before = await target.databaseBytes();
    const server = holder.add(await target.start());
    const { plans } = await connectShape(pool, server, profile.payloads.shape);
    // Every attempt writes to the database, not only the one kept.
    let written = 0;
    const measure = async () => {
      const attempt = await runMeasuredStep(pool, server, plans, { ...profile.payloads.step, argsBytes });
      written += attempt.accepted;
      return attempt;
    };
    const step = await quiet.measure(measure, (s) => log(describeStep(`${target.id} disturbed, measuring again`, s)));
    await disconnectAll(pool, server.url);
    await holder.stop(server);
    const after = await target.databaseBytes();
    const databaseBytesPer100k = before === null || after === null || written === 0 ? null : Math.round(((after - before) / written) * 100_000);
    results.push({ argsBytes, step, databaseBytesPer100k });
    log(describeStep(`${target.id}, ${describeShape(profile.payloads.shape)} @ ${profile.payloads.step.ratePerSecond}/s, ${argsBytes / 1024} KB args`, step));
  }
  return results;
}
