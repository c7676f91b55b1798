import type { WorkerPool } from '../load/worker-pool.js';
import type { ConnectPlan } from '../load/worker-protocol.js';
import type { BenchTarget } from '../servers/bench-target.js';
import type { ServerProcess } from '../servers/server-process.js';
import { mergeEncoded, summarize, type LatencySummary } from '../stats/latency-histogram.js';
import { rateShares } from './load-shape.js';
import { settle } from './measured-step.js';

export interface SoakSettings {
  ratePerSecond: number;
  durationMs: number;
  windowMs: number;
  graceMs: number;
}

export interface SoakResult extends SoakSettings {
  completed: number;
  incomplete: number;
  errors: number;
  /** Round-trip percentiles of each window of send time. */
  windows: LatencySummary[];
  medianWindowP99: number;
  worstWindowP99: number;
  /** The worst window's p99 is at most twice the median window's. */
  flat: boolean;
  /** The WAL file, sampled every second: its largest size and its size when the load stopped. */
  walMaxBytes: number | null;
  walEndBytes: number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * A steady open-loop load for minutes, with the round-trip p99 of every window and the WAL's size sampled each second:
 * does the hub stay flat, and does its write-ahead log stay bounded, when nothing ever pauses the writes?
 */
export async function runSoak(pool: WorkerPool, _server: ServerProcess, target: BenchTarget, plans: readonly ConnectPlan[], settings: SoakSettings): Promise<SoakResult> {
  await settle(pool, plans);
  const shares = rateShares(plans, settings.ratePerSecond);
  const startAtWallMs = Date.now() + 100;
  let walMaxBytes: number | null = target.walBytes();
  const sampler = setInterval(() => {
    const bytes = target.walBytes();
    if (bytes !== null) walMaxBytes = Math.max(walMaxBytes ?? 0, bytes);
  }, 1000);
  let walEndBytes: number | null = null;
  const stopSampling = setTimeout(() => {
    walEndBytes = target.walBytes();
  }, settings.durationMs + 100);
  try {
    const replies = await pool.all(
      plans.map((plan, i) =>
        plan.agents.length > 0
          ? ({
              type: 'run',
              plan: { url: plan.url, startAtWallMs, ratePerSecond: shares[i]!, durationMs: settings.durationMs, warmupMs: 0, argsBytes: 0, graceMs: settings.graceMs, windowMs: settings.windowMs },
            } as const)
          : null,
      ),
      'step-result',
    );
    const results = replies.map((r) => r.result);
    const count = Math.ceil(settings.durationMs / settings.windowMs);
    const windows: LatencySummary[] = [];
    for (let w = 0; w < count; w++) {
      const parts = results.map((r) => r.windows?.[w]).filter((e): e is string => e !== undefined);
      if (parts.length === 0) continue;
      const merged = mergeEncoded(parts);
      windows.push(summarize(merged));
      merged.destroy();
    }
    const p99s = windows.map((w) => w.p99);
    const medianWindowP99 = p99s.length ? median(p99s) : 0;
    const worstWindowP99 = p99s.length ? Math.max(...p99s) : 0;
    return {
      ...settings,
      completed: results.reduce((n, r) => n + r.completed, 0),
      incomplete: results.reduce((n, r) => n + r.incomplete, 0),
      errors: results.reduce((n, r) => n + Object.values(r.errors).reduce((a, b) => a + b, 0), 0),
      windows,
      medianWindowP99,
      worstWindowP99,
      flat: worstWindowP99 <= 2 * medianWindowP99,
      walMaxBytes,
      walEndBytes,
    };
  } finally {
    clearInterval(sampler);
    clearTimeout(stopSampling);
  }
}
