import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import type { HistogramName } from '../load/worker-protocol.js';
import type { StepMeasurement } from '../scenarios/measured-step.js';
import { TARGET_IDS, type TargetId } from '../servers/bench-target.js';
import type { LatencySummary } from '../stats/latency-histogram.js';
import type { TargetResult } from '../suite/target-result.js';
import type { BenchReport } from './bench-report.js';
import { ratioColumns } from './ratios.js';

const TARGET_LABEL: Record<TargetId, string> = {
  relay: 'relay (L1)',
  'hub-normal': 'hub normal',
  'hub-full': 'hub full',
  'hub-postgres': 'hub on PostgreSQL',
  'hub-postgres-3': '3 hubs on PostgreSQL',
  'hub-base': 'hub, baseline build',
};
const LATENCY_LABEL: Record<Exclude<HistogramName, 'sendLag'>, string> = {
  ack: 'agent → durable ack',
  seen: 'agent → reviewer sees it',
  decisionToAgent: 'decision → agent receives it',
  roundTrip: 'full round trip',
};

const show = (value: number | null | undefined, suffix = '') => (value === null || value === undefined ? '–' : `${value}${suffix}`);
const mb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '–' : `${(bytes / 1e6).toFixed(1)} MB`);
const kb = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? '–' : `${(bytes / 1024).toFixed(1)} KB`);

function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function latencyRow(scenario: string, server: string, measure: string, l: LatencySummary, step: StepMeasurement): (string | number)[] {
  const other = step.machine ? `${step.machine.otherPercent}%${step.noisy ? ' noisy' : ''}` : '–';
  return [scenario, server, measure, l.p50, l.p90, l.p99, l.p999, l.max, l.count, other];
}

function entries(report: BenchReport): [TargetId, TargetResult][] {
  return (Object.entries(report.targets) as [TargetId, TargetResult | undefined][]).filter((e): e is [TargetId, TargetResult] => e[1] !== undefined);
}

/** Why a step is not sustainable. */
function stepNote(step: StepMeasurement): string {
  const errors = Object.entries(step.errors).map(([code, n]) => `${n} ${code}`);
  const notes = [...(step.latencyMs.roundTrip.p99 >= 50 ? ['p99 ≥ 50 ms'] : []), ...(step.incomplete > 0 ? [`${step.incomplete} incomplete`] : []), ...errors];
  return notes.join(', ');
}

/** One run as Markdown: goals first, then the ratios, then the detail behind them. */
export function renderMarkdown(report: BenchReport, resultsFile: string): string {
  const targets = entries(report);
  const m = report.machine;
  const v = report.versions;
  const out: string[] = [];
  out.push(`## ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC · ${report.profile} profile`);
  out.push('');
  out.push(
    `Command: \`${report.command}\` · wall time ${report.wallSeconds} s · commit ${v.gitCommit} · raw results: \`${resultsFile}\` · ` +
      `steps re-measured because of foreign load: ${report.setup.noisyRetries}`,
  );
  out.push('');
  out.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, ${m.os}, ulimit -n ${m.openFilesLimit}. Versions: node ${v.node}, socket.io ${v.socketIo}, socket.io-client ${v.socketIoClient}, better-sqlite3 ${v.betterSqlite3}, hub ${v.hub}.`);
  out.push('');
  out.push('**Goals** (targets to report against, not tests)');
  out.push('');
  out.push(table(['goal', 'measured', 'met'], report.goals.map((g) => [g.goal, g.measured, g.met === null ? '?' : g.met ? 'yes' : '**no**'])));
  out.push('');
  out.push('**Hub against the relay, same run** (each ratio divides one column by another)');
  out.push('');
  const ids = TARGET_IDS.filter((id) => report.targets[id] !== undefined);
  const columns = ratioColumns(ids);
  out.push(
    table(
      ['measure', 'unit', ...ids.map((id) => TARGET_LABEL[id]), ...columns.map((c) => c.label)],
      report.comparisons.map((c) => [c.measure, c.unit, ...ids.map((id) => show(c.values[id])), ...columns.map((col) => show(c.ratios[col.key]))]),
    ),
  );
  out.push('');
  out.push('**Latency percentiles** (ms, HdrHistogram, from the intended send time)');
  out.push('');
  const rows: (string | number)[][] = [];
  for (const [id, r] of targets) {
    for (const name of Object.keys(LATENCY_LABEL) as (keyof typeof LATENCY_LABEL)[]) {
      rows.push(latencyRow(`1,000 × 20 @ ${r.fixed.ratePerSecond}/s`, TARGET_LABEL[id], LATENCY_LABEL[name], r.fixed.latencyMs[name], r.fixed));
    }
  }
  for (const [id, r] of targets) {
    rows.push(latencyRow(`10 × 1 @ ${r.small.ratePerSecond}/s`, TARGET_LABEL[id], LATENCY_LABEL.roundTrip, r.small.latencyMs.roundTrip, r.small));
    if (r.idle) rows.push(latencyRow(`${r.idle.idleAgents} idle + 10 × 1 @ ${r.idle.step.ratePerSecond}/s`, TARGET_LABEL[id], LATENCY_LABEL.roundTrip, r.idle.step.latencyMs.roundTrip, r.idle.step));
    for (const p of r.payloads) rows.push(latencyRow(`10 × 1 @ ${p.step.ratePerSecond}/s, ${p.argsBytes / 1024} KB args`, TARGET_LABEL[id], LATENCY_LABEL.roundTrip, p.step.latencyMs.roundTrip, p.step));
  }
  out.push(table(['scenario', 'server', 'measure', 'p50', 'p90', 'p99', 'p99.9', 'max', 'n', 'other load'], rows));
  out.push('');
  out.push('**Throughput ladder** (1,000 agents × 20 reviewers; a step is sustainable when round-trip p99 < 50 ms with nothing lost)');
  out.push('');
  const ladderRows: (string | number)[][] = [];
  for (const [id, r] of targets) {
    for (const s of r.ladder.steps) {
      ladderRows.push([
        TARGET_LABEL[id],
        s.ratePerSecond,
        s.achievedPerSecond,
        s.latencyMs.roundTrip.p99,
        s.latencyMs.ack.p99,
        s.latencyMs.sendLag.p99,
        s.server.databaseCpuPercent == null ? `${s.server.cpuPercent}%` : `${s.server.cpuPercent}% + PG ${s.server.databaseCpuPercent}%`,
        `${s.clientCpuPercent}%`,
        `${show(s.machine?.otherPercent)}%${s.attempts > 1 ? ` (best of ${s.attempts})` : ''}${s.noisy ? ' noisy' : ''}`,
        s.server.eventLoopDelayMs.p99,
        s.sustainable ? 'yes' : `no (${stepNote(s)})`,
      ]);
    }
  }
  out.push(table(['server', 'offered req/s', 'done/s', 'round trip p99', 'ack p99', 'send lag p99', 'server CPU', 'client CPU', 'other load', 'loop delay p99', 'sustainable'], ladderRows));
  out.push('');
  out.push('**Server resources**');
  out.push('');
  out.push(
    table(
      ['server', 'startup', 'CPU @ 1,000/s', 'RSS after ladder', 'loop delay p99 / max @ 1,000/s', 'RSS / idle conn', 'heap / idle conn', '5,000 idle connect', 'DB per 100k (small args)', 'DB per 100k (1 KB)', 'DB per 100k (32 KB)'],
      targets.map(([id, r]) => {
        const last = r.ladder.steps.at(-1) ?? r.fixed;
        const payloadDb = (size: number) => mb(r.payloads.find((p) => p.argsBytes === size)?.databaseBytesPer100k);
        return [
          TARGET_LABEL[id],
          `${r.startupMs} ms`,
          `${r.fixed.server.cpuPercent}%`,
          mb(last.server.rssBytes),
          `${r.fixed.server.eventLoopDelayMs.p99} / ${r.fixed.server.eventLoopDelayMs.max} ms`,
          kb(r.idle?.rssBytesPerConnection),
          kb(r.idle?.heapBytesPerConnection),
          r.idle ? `${r.idle.connectMs} ms (${r.idle.connectionsPerSecond}/s)` : '–',
          mb(r.database?.bytesPer100k),
          payloadDb(1024),
          payloadDb(32 * 1024),
        ];
      }),
    ),
  );
  out.push('');
  const storms = targets.filter(([, r]) => r.storm);
  if (storms.length > 0) {
    out.push('**Reconnect storm** (agents with a pending request each; server SIGKILLed and restarted on the same port and database; agents reconnect with the SDK backoff, 500 ms doubling to 5 s, ±50% jitter, and send `approval.sync`)');
    out.push('');
    out.push(
      table(
        ['server', 'agents', 'kill → ready', 'kill → all re-synced', 'ready → all re-synced', 'per agent p50 / p99', 'records returned', 'not synced'],
        storms.map(([id, r]) => {
          const s = r.storm!;
          return [TARGET_LABEL[id], s.agents, `${s.restartMs} ms`, show(s.allResyncedMs, ' ms'), show(s.resyncedAfterReadyMs, ' ms'), `${s.perAgentMs.p50} / ${s.perAgentMs.p99} ms`, s.recordsReturned, s.notSynced];
        }),
      ),
    );
    out.push('');
  }
  const soaks = targets.filter(([, r]) => r.soak);
  for (const [id, r] of soaks) {
    const s = r.soak!;
    out.push(`**Soak** (${TARGET_LABEL[id]}, 1,000 agents × 20 reviewers, ${s.ratePerSecond} req/s open loop for ${s.durationMs / 1000} s, no pause): round-trip p99 per ${s.windowMs / 1000} s window and the WAL file sampled each second`);
    out.push('');
    out.push(table(['window', ...s.windows.map((_, i) => `${(i * s.windowMs) / 1000}–${((i + 1) * s.windowMs) / 1000} s`)], [['p99 ms', ...s.windows.map((w) => w.p99)], ['p50 ms', ...s.windows.map((w) => w.p50)]]));
    out.push('');
    const mb = (b: number | null) => (b === null ? '–' : `${(b / 1024 / 1024).toFixed(1)} MB`);
    out.push(`Median window p99 ${s.medianWindowP99} ms, worst ${s.worstWindowP99} ms (${s.flat ? 'flat: worst ≤ 2 × median' : 'not flat'}); WAL largest ${mb(s.walMaxBytes)}, ${mb(s.walEndBytes)} when the load stopped; ${s.completed} completed, ${s.incomplete} incomplete, ${s.errors} errors.`);
    out.push('');
  }
  for (const [id, summary] of Object.entries(report.cpuProfiles)) {
    if (!summary) continue;
    out.push(`**CPU profile of ${TARGET_LABEL[id as TargetId]}** (node --cpu-prof, ${summary.busyMs} ms busy; top self time)`);
    out.push('');
    out.push(table(['function', 'where', 'self ms', '% busy'], summary.topFunctions.slice(0, 15).map((f) => [`\`${f.name}\``, f.where, f.selfMs, f.percent])));
    out.push('');
    if (summary.threads.length > 1) {
      out.push(`Busy time per thread: ${summary.threads.map((t) => `${t.thread} ${t.busyMs} ms`).join(', ')}.`);
      out.push('');
      for (const thread of summary.threads.filter((t) => t.thread !== 'main')) {
        out.push(`Top self time of thread \`${thread.thread}\` alone:`);
        out.push('');
        out.push(table(['function', 'where', 'self ms', '% of the thread'], thread.topFunctions.slice(0, 8).map((f) => [`\`${f.name}\``, f.where, f.selfMs, f.percent])));
        out.push('');
      }
    }
  }
  out.push(`Notes: ${report.setup.notes.join(' ')}`);
  out.push('');
  return out.join('\n');
}

/** Only used if the document is missing; the real one carries a longer "how to read" section. */
const DOC_HEADER = `# Benchmarks

Results of \`pnpm bench\` (quick profile) and \`pnpm bench --full\`, newest last; raw figures in \`bench/results/\`.
How the suite works: \`bench/README.md\`.
`;

export function appendToBenchmarksDoc(docFile: string, markdown: string): void {
  if (!existsSync(docFile)) writeFileSync(docFile, DOC_HEADER);
  appendFileSync(docFile, `\n${markdown}`);
}
