import type { WorkerPool } from '../load/worker-pool.js';
import type { ConnectPlan, HistogramName, WorkerStepResult } from '../load/worker-protocol.js';
import { fetchServerMetrics, serverSample, type ServerSample } from '../servers/server-metrics.js';
import type { ServerProcess } from '../servers/server-process.js';
import { mergeEncoded, summarize, type LatencySummary } from '../stats/latency-histogram.js';
import { machineLoad, readCpuTicks } from '../stats/machine-load.js';
import { rateShares } from './load-shape.js';

/** The round-trip p99 a rate must stay under to count as sustainable. */
export const SUSTAINABLE_P99_MS = 50;

export interface StepSettings {
  ratePerSecond: number;
  durationMs: number;
  warmupMs: number;
  graceMs: number;
  argsBytes: number;
}

export interface StepMeasurement extends StepSettings {
  sent: number;
  recorded: number;
  acked: number;
  accepted: number;
  completed: number;
  incomplete: number;
  errors: Record<string, number>;
  /** Completed recorded requests per second of the recorded window. */
  achievedPerSecond: number;
  latencyMs: Record<HistogramName, LatencySummary>;
  /** All load workers together; 100 = one core. */
  clientCpuPercent: number;
  server: ServerSample;
  /**
   * The whole machine over the step (100 = one core). `otherPercent` = machine − server (and its PostgreSQL) − load workers:
   * kernel networking plus anything else running on this shared machine; a high value marks a noisy step.
   */
  machine: { busyPercent: number; stealPercent: number; otherPercent: number } | null;
  /** How many times the step was measured to get a quiet enough attempt (see QuietMeasurer); this is the quietest. */
  attempts: number;
  /** Even the quietest attempt ran with foreign load over the limit: read this step with care. */
  noisy: boolean;
  /** Round-trip p99 under the bar, nothing lost, no error. */
  sustainable: boolean;
}

/**
 * Lets leftovers of an overloaded step come back first, so they do not load this one. A server that fell far behind
 * (thousands of requests) takes a while to work them off; starting the next, lower rate before that would measure
 * its backlog instead of the rate.
 */
export async function settle(pool: WorkerPool, plans: readonly ConnectPlan[], timeoutMs = 30_000): Promise<number> {
  const replies = await pool.all(plans.map((plan) => ({ type: 'settle', url: plan.url, timeoutMs }) as const), 'settled');
  return replies.reduce((n, r) => n + r.leftover, 0);
}

/** Runs one open-loop step on every sending worker, with the server's own figures for the same window. */
export async function runMeasuredStep(pool: WorkerPool, server: ServerProcess, plans: readonly ConnectPlan[], settings: StepSettings): Promise<StepMeasurement> {
  await settle(pool, plans);
  const shares = rateShares(plans, settings.ratePerSecond);
  const before = await fetchServerMetrics(server, true);
  const ticksBefore = readCpuTicks();
  const wallStart = performance.now();
  const startAtWallMs = Date.now() + 100;
  const replies = await pool.all(
    plans.map((plan, i) =>
      plan.agents.length > 0
        ? ({ type: 'run', plan: { url: plan.url, startAtWallMs, ratePerSecond: shares[i]!, durationMs: settings.durationMs, warmupMs: settings.warmupMs, argsBytes: settings.argsBytes, graceMs: settings.graceMs } } as const)
        : null,
    ),
    'step-result',
  );
  const ticksAfter = readCpuTicks();
  const after = await fetchServerMetrics(server);
  const results = replies.map((r) => r.result);
  const step = combine(settings, results, serverSample(before, after, performance.now() - wallStart));
  const load = machineLoad(ticksBefore, ticksAfter);
  step.machine = load && { ...load, otherPercent: Math.round((load.busyPercent - step.server.cpuPercent - (step.server.databaseCpuPercent ?? 0) - step.clientCpuPercent) * 10) / 10 };
  return step;
}

function combine(settings: StepSettings, results: WorkerStepResult[], server: ServerSample): StepMeasurement {
  const sum = (pick: (r: WorkerStepResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  const names: HistogramName[] = ['ack', 'seen', 'decisionToAgent', 'roundTrip', 'sendLag'];
  const latencyMs = {} as Record<HistogramName, LatencySummary>;
  for (const name of names) {
    const merged = mergeEncoded(results.map((r) => r.histograms[name]));
    latencyMs[name] = summarize(merged);
    merged.destroy();
  }
  const completed = sum((r) => r.completed);
  const incomplete = sum((r) => r.incomplete);
  const recordedSeconds = (settings.durationMs - settings.warmupMs) / 1000;
  const wallMs = Math.max(...results.map((r) => r.wallMs));
  const errorCount = Object.values(errors).reduce((n, e) => n + e, 0);
  return {
    ...settings,
    sent: sum((r) => r.sent),
    recorded: sum((r) => r.recorded),
    acked: sum((r) => r.acked),
    accepted: sum((r) => r.accepted),
    completed,
    incomplete,
    errors,
    achievedPerSecond: Math.round(completed / recordedSeconds),
    latencyMs,
    clientCpuPercent: Math.round((sum((r) => r.cpuMicros) / 1000 / wallMs) * 1000) / 10,
    server,
    machine: null,
    attempts: 1,
    noisy: false,
    sustainable: incomplete === 0 && errorCount === 0 && completed > 0 && latencyMs.roundTrip.p99 < SUSTAINABLE_P99_MS,
  };
}
