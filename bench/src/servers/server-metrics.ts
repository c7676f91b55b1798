import { z } from 'zod';
import { ADMIN_TOKEN } from './bench-tokens.js';

/** `GET /api/metrics` as the hub serves it (and the relay imitates). */
export const ServerMetrics = z.object({
  pid: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  cpuUserMicros: z.number(),
  cpuSystemMicros: z.number(),
  eventLoopDelayMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  connections: z.unknown(),
});
export type ServerMetrics = z.infer<typeof ServerMetrics>;

export async function fetchServerMetrics(url: string, resetLoopDelay = false): Promise<ServerMetrics> {
  const response = await fetch(`${url}/api/metrics${resetLoopDelay ? '?reset=loop' : ''}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET /api/metrics answered ${response.status}`);
  return ServerMetrics.parse(await response.json());
}

/** What the server did between two samples. */
export interface ServerSample {
  cpuPercent: number;
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

export function serverSample(before: ServerMetrics, after: ServerMetrics, wallMs: number): ServerSample {
  const cpuMicros = after.cpuUserMicros + after.cpuSystemMicros - (before.cpuUserMicros + before.cpuSystemMicros);
  return {
    cpuPercent: Math.round((cpuMicros / 1000 / wallMs) * 1000) / 10,
    rssBytes: after.rssBytes,
    heapUsedBytes: after.heapUsedBytes,
    eventLoopDelayMs: after.eventLoopDelayMs,
  };
}
