import { monitorEventLoopDelay } from 'node:perf_hooks';

/** The same figures as the hub's `GET /api/metrics`, so both servers are measured alike. */
export function createRelayMetrics() {
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;
  return {
    snapshot(connections: unknown) {
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      return {
        pid: process.pid,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        cpuUserMicros: cpu.user,
        cpuSystemMicros: cpu.system,
        eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
        connections,
      };
    },
    resetLoopDelay() {
      loopDelay.reset();
    },
  };
}
