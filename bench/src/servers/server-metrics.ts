import { z } from 'zod';
import { ADMIN_TOKEN } from './bench-tokens.js';
import type { ServerProcess } from './server-process.js';

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

/** A server's counters at one moment: for a cluster, its nodes' summed (CPU, memory) or worst (loop delay). */
export interface ServerSnapshot {
  rssBytes: number;
  heapUsedBytes: number;
  cpuMicros: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The server's own database processes (PostgreSQL), or null when the database lives inside the server. */
  databaseCpuMicros: number | null;
}

async function fetchNodeMetrics(url: string, resetLoopDelay: boolean): Promise<ServerMetrics> {
  const response = await fetch(`${url}/api/metrics${resetLoopDelay ? '?reset=loop' : ''}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET ${url}/api/metrics answered ${response.status}`);
  return ServerMetrics.parse(await response.json());
}

export async function fetchServerMetrics(server: ServerProcess, resetLoopDelay = false): Promise<ServerSnapshot> {
  const nodes = await Promise.all(server.nodeUrls.map((url) => fetchNodeMetrics(url, resetLoopDelay)));
  const sum = (pick: (m: ServerMetrics) => number) => nodes.reduce((n, m) => n + pick(m), 0);
  const worst = (pick: (d: ServerMetrics['eventLoopDelayMs']) => number) => Math.max(...nodes.map((m) => pick(m.eventLoopDelayMs)));
  return {
    rssBytes: sum((m) => m.rssBytes),
    heapUsedBytes: sum((m) => m.heapUsedBytes),
    cpuMicros: sum((m) => m.cpuUserMicros + m.cpuSystemMicros),
    eventLoopDelayMs: { p50: worst((d) => d.p50), p99: worst((d) => d.p99), max: worst((d) => d.max) },
    databaseCpuMicros: server.databaseCpuMicros ? server.databaseCpuMicros() : null,
  };
}

/** What the server did between two samples. */
export interface ServerSample {
  /** The server's own processes (all nodes of a cluster); 100 = one core. */
  cpuPercent: number;
  /** Its PostgreSQL server over the same window, or null for a server without one. */
  databaseCpuPercent: number | null;
  rssBytes: number;
  heapUsedBytes: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

const percentOf = (micros: number, wallMs: number) => Math.round((micros / 1000 / wallMs) * 1000) / 10;

export function serverSample(before: ServerSnapshot, after: ServerSnapshot, wallMs: number): ServerSample {
  const databaseMicros = before.databaseCpuMicros === null || after.databaseCpuMicros === null ? null : after.databaseCpuMicros - before.databaseCpuMicros;
  return {
    cpuPercent: percentOf(after.cpuMicros - before.cpuMicros, wallMs),
    databaseCpuPercent: databaseMicros === null ? null : percentOf(databaseMicros, wallMs),
    rssBytes: after.rssBytes,
    heapUsedBytes: after.heapUsedBytes,
    eventLoopDelayMs: after.eventLoopDelayMs,
  };
}
