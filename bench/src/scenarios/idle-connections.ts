import type { WorkerPool } from '../load/worker-pool.js';
import { fetchServerMetrics } from '../servers/server-metrics.js';
import type { ServerProcess } from '../servers/server-process.js';
import { connectShape, disconnectAll } from './connect-shape.js';
import { idleAgentPlans, type LoadShape } from './load-shape.js';
import { runMeasuredStep, type StepMeasurement, type StepSettings } from './measured-step.js';
import type { QuietMeasurer } from './quiet-measure.js';

export interface IdleSettings {
  idleAgents: number;
  activeShape: LoadShape;
  step: StepSettings;
  /** Pause before each memory reading, so the figures are not caught mid-handshake. */
  settleMs: number;
}

export interface IdleResult {
  idleAgents: number;
  connectMs: number;
  connectionsPerSecond: number;
  rssBytesBefore: number;
  rssBytesAfter: number;
  heapUsedBytesBefore: number;
  heapUsedBytesAfter: number;
  /** (RSS after − RSS before) / idle agents; no forced GC, so it includes garbage not yet collected. */
  rssBytesPerConnection: number;
  heapBytesPerConnection: number;
  /** The active load, with the idle agents connected. */
  step: StepMeasurement;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Memory per idle agent connection, then latency of a small active load while thousands sit idle. */
export async function runIdleConnections(pool: WorkerPool, server: ServerProcess, settings: IdleSettings, quiet: QuietMeasurer): Promise<IdleResult> {
  const active = await connectShape(pool, server, settings.activeShape);
  await pause(settings.settleMs);
  const before = await fetchServerMetrics(server);
  const started = performance.now();
  const idlePlans = idleAgentPlans(server, settings.activeShape.agents, settings.idleAgents, pool.size);
  await pool.all(idlePlans.map((plan) => ({ type: 'connect', plan }) as const), 'connected');
  const connectMs = performance.now() - started;
  await pause(settings.settleMs);
  const after = await fetchServerMetrics(server);
  const step = await quiet.measure(() => runMeasuredStep(pool, server, active.plans, settings.step));
  await disconnectAll(pool, server.url);
  return {
    idleAgents: settings.idleAgents,
    connectMs: Math.round(connectMs),
    connectionsPerSecond: Math.round(settings.idleAgents / (connectMs / 1000)),
    rssBytesBefore: before.rssBytes,
    rssBytesAfter: after.rssBytes,
    heapUsedBytesBefore: before.heapUsedBytes,
    heapUsedBytesAfter: after.heapUsedBytes,
    rssBytesPerConnection: Math.round((after.rssBytes - before.rssBytes) / settings.idleAgents),
    heapBytesPerConnection: Math.round((after.heapUsedBytes - before.heapUsedBytes) / settings.idleAgents),
    step,
  };
}
