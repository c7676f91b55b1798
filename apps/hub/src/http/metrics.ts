import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Process figures for operators and benchmarks (`GET /api/metrics`, admin only). */
export function createProcessMetrics() {
  const RESOLUTION_MS = 10;
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loopDelay.enable();
  // The histogram counts the sampling interval itself as delay; an idle loop should read 0.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e3 - RESOLUTION_MS * 1e3) / 1e3);
  return {
    snapshot(connections: { agents: number; reviewers: number }) {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      return {
        pid: process.pid,
        uptimeMs: Math.round(process.uptime() * 1000),
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
        connections,
      };
    },
    /** Starts a fresh event-loop delay window (e.g. at the start of a benchmark step). */
    resetLoopDelay() {
      loopDelay.reset();
    },
    stop() {
      loopDelay.disable();
    },
  };
}
export type ProcessMetrics = ReturnType<typeof createProcessMetrics>;
