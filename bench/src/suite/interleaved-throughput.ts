import type { WorkerPool } from '../load/worker-pool.js';
import type { BenchProfile } from '../profiles.js';
import { connectShape, disconnectAll } from '../scenarios/connect-shape.js';
import { describeShape } from '../scenarios/load-shape.js';
import { runMeasuredStep, type StepMeasurement } from '../scenarios/measured-step.js';
import type { QuietMeasurer } from '../scenarios/quiet-measure.js';
import { LadderSearch, type LadderResult } from '../scenarios/throughput-ladder.js';
import type { BenchTarget, TargetId } from '../servers/bench-target.js';
import type { ServerProcess } from '../servers/server-process.js';
import type { ConnectPlan } from '../load/worker-protocol.js';
import type { ServerHolder } from './server-holder.js';
import { describeStep, type Log } from './suite-log.js';

export interface ThroughputResult {
  connectMs: number;
  /** The fixed-rate comparison (1,000 req/s on 1,000 × 20). */
  fixed: StepMeasurement;
  ladder: LadderResult;
  /** Bytes on disk after a clean stop, grown over this session, per 100k requests it wrote (extrapolated). */
  database: { requestsWritten: number; bytesGrown: number; bytesPer100k: number } | null;
}

interface RunningServer {
  target: BenchTarget;
  server: ServerProcess;
  plans: ConnectPlan[];
  connectMs: number;
  bytesBefore: number | null;
  /** Requests the server wrote in this session (warm-up included), for the database figure. */
  accepted: number;
  search: LadderSearch;
  fixed: StepMeasurement | null;
}

/**
 * All servers up at once, each with its own 1,000 × 20 sockets; every step is run on each server in turn, so the
 * servers are compared over neighbouring seconds and a burst of foreign load on this shared machine hits all alike.
 */
export async function runInterleavedThroughput(
  targets: readonly BenchTarget[],
  profile: BenchProfile,
  pool: WorkerPool,
  holder: ServerHolder,
  quiet: QuietMeasurer,
  log: Log,
): Promise<Map<TargetId, ThroughputResult>> {
  const shape = profile.fixed.shape;
  const running: RunningServer[] = [];
  for (const target of targets) {
    const bytesBefore = await target.databaseBytes();
    const server = holder.add(await target.start());
    const { plans, connectMs } = await connectShape(pool, server, shape);
    running.push({ target, server, plans, connectMs, bytesBefore, accepted: 0, search: new LadderSearch(profile.ladder), fixed: null });
  }
  log(`${describeShape(shape)} connected to ${targets.map((t) => t.id).join(', ')}`);

  const measure = async (r: RunningServer, settings: Parameters<typeof runMeasuredStep>[3]) => {
    const step = await runMeasuredStep(pool, r.server, r.plans, settings);
    r.accepted += step.accepted;
    return step;
  };
  const disturbed = (r: RunningServer) => (s: StepMeasurement) => log(describeStep(`${r.target.id} @ ${s.ratePerSecond}/s disturbed, measuring again`, s));
  for (const r of running) await measure(r, profile.fixed.warmup);
  for (const r of running) {
    r.fixed = await quiet.measure(() => measure(r, profile.fixed.step), disturbed(r));
    log(describeStep(`${r.target.id} @ ${profile.fixed.step.ratePerSecond}/s`, r.fixed));
  }

  log('throughput ladder (sustainable: round-trip p99 < 50 ms, nothing lost):');
  for (const r of running) if (r.fixed && profile.ladder.rates[0] === r.fixed.ratePerSecond) r.search.report(r.fixed.ratePerSecond, r.fixed);
  for (;;) {
    const due = running.map((r) => ({ r, rate: r.search.nextRate() })).filter((d): d is { r: RunningServer; rate: number } => d.rate !== null);
    if (due.length === 0) break;
    for (const { r, rate } of due) {
      // A pass under foreign load is still a pass; only a disturbed failure is worth measuring again.
      const step = await quiet.measure(() => measure(r, { ...profile.ladder.step, ratePerSecond: rate }), disturbed(r), (s) => !s.sustainable);
      log(describeStep(`${r.target.id} @ ${rate}/s`, step));
      r.search.report(rate, step);
    }
  }

  const results = new Map<TargetId, ThroughputResult>();
  for (const r of running) {
    await disconnectAll(pool, r.server.url);
    await holder.stop(r.server);
    const after = await r.target.databaseBytes();
    const grown = after === null ? null : after - (r.bytesBefore ?? 0);
    const ladder = r.search.result;
    log(`${r.target.id}: sustainable ${ladder.sustainablePerSecond ?? 'none'} req/s (first failing ${ladder.firstFailingPerSecond ?? 'none'})`);
    results.set(r.target.id, {
      connectMs: r.connectMs,
      fixed: r.fixed!,
      ladder,
      database: grown === null || r.accepted === 0 ? null : { requestsWritten: r.accepted, bytesGrown: grown, bytesPer100k: Math.round((grown / r.accepted) * 100_000) },
    });
  }
  return results;
}
