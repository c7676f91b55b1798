import type { TargetId } from '../servers/bench-target.js';
import type { TargetResult } from '../suite/target-result.js';

export type TargetResults = Partial<Record<TargetId, TargetResult>>;

/** One measure on every server of the run, and the ratios read from it (all from the same run). */
export interface Comparison {
  measure: string;
  unit: string;
  values: Partial<Record<TargetId, number | null>>;
  /** Keyed by `RatioColumn.key`. */
  ratios: Record<string, number | null>;
}

/** A ratio column: one server's figure divided by another's. */
export interface RatioColumn {
  key: string;
  label: string;
  numerator: TargetId;
  denominator: TargetId;
}

export interface GoalCheck {
  goal: string;
  measured: string;
  met: boolean | null;
}

const ratio = (hub: number | null | undefined, relay: number | null | undefined) =>
  hub === null || hub === undefined || relay === null || relay === undefined || relay === 0 ? null : Math.round((hub / relay) * 100) / 100;

const SERVER_LABEL: Record<TargetId, string> = {
  relay: 'relay',
  'hub-normal': 'SQLite normal',
  'hub-full': 'SQLite full',
  'hub-postgres': 'PostgreSQL, 1 node',
  'hub-postgres-3': 'PostgreSQL, 3 nodes',
  'hub-base': 'baseline build',
};

/** Every hub against the relay, then PostgreSQL against SQLite and three nodes against one when both ran. */
export function ratioColumns(present: readonly TargetId[]): RatioColumn[] {
  const has = (id: TargetId) => present.includes(id);
  const columns: RatioColumn[] = [];
  if (has('relay')) {
    for (const id of present) if (id !== 'relay') columns.push({ key: `${id}/relay`, label: `${SERVER_LABEL[id]} ÷ relay`, numerator: id, denominator: 'relay' });
  }
  if (has('hub-base') && has('hub-normal')) columns.push({ key: 'hub-normal/hub-base', label: 'this build ÷ baseline build', numerator: 'hub-normal', denominator: 'hub-base' });
  if (has('hub-postgres') && has('hub-normal')) columns.push({ key: 'hub-postgres/hub-normal', label: 'PostgreSQL ÷ SQLite (1 node each)', numerator: 'hub-postgres', denominator: 'hub-normal' });
  if (has('hub-postgres-3') && has('hub-postgres')) columns.push({ key: 'hub-postgres-3/hub-postgres', label: '3 nodes ÷ 1 node', numerator: 'hub-postgres-3', denominator: 'hub-postgres' });
  return columns;
}

function comparison(measure: string, unit: string, results: TargetResults, pick: (r: TargetResult) => number | null | undefined): Comparison {
  const values: Partial<Record<TargetId, number | null>> = {};
  for (const id of Object.keys(results) as TargetId[]) {
    const r = results[id];
    if (!r) continue;
    const v = pick(r);
    values[id] = v === undefined ? null : v;
  }
  const ratios: Record<string, number | null> = {};
  for (const column of ratioColumns(Object.keys(values) as TargetId[])) ratios[column.key] = ratio(values[column.numerator], values[column.denominator]);
  return { measure, unit, values, ratios };
}

/** Server CPU time per completed request, from the server's own counters over the step. */
const cpuMicrosPerRequest = (cpuPercent: number, perSecond: number) => (perSecond > 0 ? Math.round((cpuPercent / 100) * 1e6 / perSecond) : null);

export function compareTargets(results: TargetResults): Comparison[] {
  const list: Comparison[] = [
    comparison('sustainable throughput, 1,000 agents × 20 reviewers (round-trip p99 < 50 ms)', 'req/s', results, (r) => r.ladder.sustainablePerSecond),
    comparison('round trip p50 @ 1,000 req/s, 1,000 × 20', 'ms', results, (r) => r.fixed.latencyMs.roundTrip.p50),
    comparison('round trip p99 @ 1,000 req/s, 1,000 × 20', 'ms', results, (r) => r.fixed.latencyMs.roundTrip.p99),
    comparison('agent → durable ack p99 @ 1,000 req/s', 'ms', results, (r) => r.fixed.latencyMs.ack.p99),
    comparison('agent → reviewer sees it p99 @ 1,000 req/s', 'ms', results, (r) => r.fixed.latencyMs.seen.p99),
    comparison('decision → agent p99 @ 1,000 req/s', 'ms', results, (r) => r.fixed.latencyMs.decisionToAgent.p99),
    comparison('server CPU per request @ 1,000 req/s (all nodes)', 'µs', results, (r) => cpuMicrosPerRequest(r.fixed.server.cpuPercent, r.fixed.achievedPerSecond)),
    comparison('PostgreSQL CPU per request @ 1,000 req/s', 'µs', results, (r) => {
      const percent = r.fixed.server.databaseCpuPercent ?? null;
      return percent === null ? null : cpuMicrosPerRequest(percent, r.fixed.achievedPerSecond);
    }),
    comparison('server event-loop delay p99 @ 1,000 req/s', 'ms', results, (r) => r.fixed.server.eventLoopDelayMs.p99),
    comparison('round trip p99 @ 200 req/s, 10 agents × 1 reviewer', 'ms', results, (r) => r.small.latencyMs.roundTrip.p99),
  ];
  const sizes = [...new Set(Object.values(results).flatMap((r) => r?.payloads.map((p) => p.argsBytes) ?? []))];
  for (const size of sizes) {
    list.push(comparison(`round trip p99 @ 200 req/s, 10 × 1, ${size / 1024} KB args`, 'ms', results, (r) => r.payloads.find((p) => p.argsBytes === size)?.step.latencyMs.roundTrip.p99 ?? null));
  }
  list.push(
    comparison('round trip p99 @ 200 req/s with 5,000 idle agents', 'ms', results, (r) => r.idle?.step.latencyMs.roundTrip.p99 ?? null),
    comparison('RSS per idle agent connection', 'bytes', results, (r) => r.idle?.rssBytesPerConnection ?? null),
    comparison('reconnect storm, 2,000 agents: SIGKILL → all re-synced', 'ms', results, (r) => r.storm?.allResyncedMs ?? null),
  );
  // A measure no server of this run has (PostgreSQL CPU on a SQLite-only run) is left out.
  return list.filter((c) => Object.values(c.values).some((v) => v !== null));
}

/** The WAL bound the hub documents (journal_size_limit plus about a second of writes). */
const WAL_LIMIT_MB = 32;

/** The targets. They are goals to report against, not pass/fail tests. */
export function checkGoals(results: TargetResults): GoalCheck[] {
  const relay = results.relay;
  const normal = results['hub-normal'];
  const full = results['hub-full'];
  const checks: GoalCheck[] = [];
  const relayCeilingUnknown = relay?.ladder.firstFailingPerSecond === null ? ' (relay passed every step: its ceiling is higher, so this ratio is an upper bound)' : '';
  if (relay && normal) {
    const r = ratio(normal.ladder.sustainablePerSecond, relay.ladder.sustainablePerSecond);
    checks.push({ goal: 'hub (normal) sustainable throughput ≥ 0.7 × relay', measured: `${r ?? 'n/a'} × (${normal.ladder.sustainablePerSecond ?? 'none'} vs ${relay.ladder.sustainablePerSecond ?? 'none'} req/s)${relayCeilingUnknown}`, met: r === null ? null : r >= 0.7 });
    const added = Math.round((normal.fixed.latencyMs.roundTrip.p99 - relay.fixed.latencyMs.roundTrip.p99) * 100) / 100;
    checks.push({ goal: 'hub-added round-trip p99 ≤ 5 ms @ 1,000 req/s, 1,000 × 20', measured: `+${added} ms (${normal.fixed.latencyMs.roundTrip.p99} vs ${relay.fixed.latencyMs.roundTrip.p99} ms)`, met: added <= 5 });
  }
  if (relay && full) {
    const r = ratio(full.ladder.sustainablePerSecond, relay.ladder.sustainablePerSecond);
    checks.push({ goal: 'hub (full) sustainable throughput ≥ 0.5 × relay', measured: `${r ?? 'n/a'} × (${full.ladder.sustainablePerSecond ?? 'none'} vs ${relay.ladder.sustainablePerSecond ?? 'none'} req/s)${relayCeilingUnknown}`, met: r === null ? null : r >= 0.5 });
  }
  if (normal?.storm) {
    const ms = normal.storm.allResyncedMs;
    checks.push({ goal: 'reconnect storm: 2,000 agents re-synced ≤ 5 s (hub normal)', measured: ms === null ? `${normal.storm.notSynced} agents never re-synced` : `${ms} ms`, met: ms !== null && ms <= 5000 });
  }  const soak = normal?.soak;
  if (soak) {
    checks.push({
      goal: `soak @ ${soak.ratePerSecond}/s for ${soak.durationMs / 1000} s: no ${soak.windowMs / 1000} s window's p99 above 2 × the median window's`,
      measured: `median ${soak.medianWindowP99} ms, worst ${soak.worstWindowP99} ms`,
      met: soak.flat,
    });
    checks.push({
      goal: `soak: WAL stays under ${WAL_LIMIT_MB} MB`,
      measured: soak.walMaxBytes === null ? 'n/a' : `max ${(soak.walMaxBytes / 1024 / 1024).toFixed(1)} MB`,
      met: soak.walMaxBytes === null ? null : soak.walMaxBytes < WAL_LIMIT_MB * 1024 * 1024,
    });
  }

  return checks;
}
