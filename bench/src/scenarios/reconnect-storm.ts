import type { WorkerPool } from '../load/worker-pool.js';
import type { StormAgentTimes } from '../load/worker-protocol.js';
import type { BenchTarget } from '../servers/bench-target.js';
import { agentToken } from '../servers/bench-tokens.js';
import type { ServerProcess } from '../servers/server-process.js';
import { newLatencyHistogram, recordMillis, summarize, type LatencySummary } from '../stats/latency-histogram.js';

export interface StormSettings {
  agents: number;
  timeoutMs: number;
  /** The agent SDK's reconnection backoff (socket.io-client adds ±50% jitter). */
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
}

export interface StormResult {
  agents: number;
  /** Time to connect the agents and get every request acknowledged, before the kill. */
  prepareMs: number;
  /** SIGKILL → the restarted server printed its URL. */
  restartMs: number;
  /** SIGKILL → the last agent had its record back: the figure the target is about. */
  allResyncedMs: number | null;
  /** Restart ready → the last agent had its record back. */
  resyncedAfterReadyMs: number | null;
  /** Per agent, SIGKILL → records back. */
  perAgentMs: LatencySummary;
  reconnected: number;
  notSynced: number;
  recordsReturned: number;
  syncRetries: number;
}

/**
 * Agents with pending requests; the server is SIGKILLed and restarted on the same port and database; each agent
 * reconnects on its own backoff and re-syncs. Returns the restarted server, which the caller now owns.
 */
export async function runReconnectStorm(
  pool: WorkerPool,
  target: BenchTarget,
  server: ServerProcess,
  settings: StormSettings,
): Promise<{ result: StormResult; server: ServerProcess }> {
  const perWorker: string[][] = Array.from({ length: pool.size }, () => []);
  for (let i = 0; i < settings.agents; i++) perWorker[i % pool.size]!.push(agentToken(i));
  const prepared = performance.now();
  await pool.all(
    perWorker.map((agents) => ({
      type: 'storm-prepare',
      plan: { url: server.url, agents, reconnectionDelayMs: settings.reconnectionDelayMs, reconnectionDelayMaxMs: settings.reconnectionDelayMaxMs },
    }) as const),
    'storm-ready',
  );
  const prepareMs = Math.round(performance.now() - prepared);

  const watching = pool.all(perWorker.map(() => ({ type: 'storm-watch', timeoutMs: settings.timeoutMs }) as const), 'storm-result');
  const killedAt = Date.now();
  await server.kill();
  const restarted = await target.start(server.port);
  const readyAt = Date.now();
  const times: StormAgentTimes[] = (await watching).map((r) => r.times);

  const synced = times.flatMap((t) => t.syncedAtWallMs);
  const notSynced = times.reduce((n, t) => n + t.notSynced, 0);
  const histogram = newLatencyHistogram();
  for (const at of synced) recordMillis(histogram, at - killedAt);
  const last = synced.length > 0 ? Math.max(...synced) : null;
  const result: StormResult = {
    agents: settings.agents,
    prepareMs,
    restartMs: readyAt - killedAt,
    allResyncedMs: notSynced === 0 && last !== null ? last - killedAt : null,
    resyncedAfterReadyMs: notSynced === 0 && last !== null ? last - readyAt : null,
    perAgentMs: summarize(histogram),
    reconnected: times.reduce((n, t) => n + t.reconnectedAtWallMs.length, 0),
    notSynced,
    recordsReturned: times.reduce((n, t) => n + t.recordsReturned, 0),
    syncRetries: times.reduce((n, t) => n + t.syncErrors, 0),
  };
  histogram.destroy();
  return { result, server: restarted };
}
