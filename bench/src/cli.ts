import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseBenchOptions } from './bench-options.js';
import { FULL_PROFILE, QUICK_PROFILE, withPostgres } from './profiles.js';
import { POSTGRES_NOTES, SETUP_NOTES, type BenchReport } from './report/bench-report.js';
import { machineInfo, versions } from './report/machine-info.js';
import { appendToBenchmarksDoc, renderMarkdown } from './report/markdown-report.js';
import { checkGoals, compareTargets } from './report/ratios.js';
import { writeResultsFile } from './report/results-file.js';
import { runSuite } from './suite/run-suite.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = path.resolve(benchDir, '..');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const options = parseBenchOptions(argv);
  const base = options.full ? FULL_PROFILE : QUICK_PROFILE;
  const profile = options.postgres ? withPostgres(base) : base;
  const startedAt = new Date();
  const log = (line: string) => process.stdout.write(`${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s ${line}\n`);
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const cpuProfileDir = options.profileHub ? path.join(benchDir, 'results', 'profiles', stamp) : null;

  log(`Approval Hub benchmark, ${profile.name} profile (${profile.workers} load workers)`);
  const targets = [...(options.targets ?? profile.targets)];
  // The baseline build runs beside hub-normal, so the two are measured over neighbouring seconds.
  if (options.hubBase && !targets.includes('hub-base')) targets.splice(targets.indexOf('hub-normal') + 1 || targets.length, 0, 'hub-base');
  const run = await runSuite({
    profile,
    targets,
    cpuProfileDir,
    keepWorkDir: options.keepWorkDir,
    hubMain: options.hubMain,
    hubNodeArgs: options.hubNodeArgs,
    hubBase: options.hubBase,
    soakSeconds: options.soakSeconds,
    backlogOnly: options.backlogOnly,
    log,
  });
  const backlogLine = run.backlog
    ? `backlog: p99 with ${run.backlog.loaded.pending} pending ÷ with none: create (ack) ${run.backlog.ratios.create}×, decide (decision to agent) ${run.backlog.ratios.decide}×, round trip ${run.backlog.ratios.roundTrip}×`
    : null;
  if (options.backlogOnly) {
    log(backlogLine ?? 'backlog: not run (the profile seeds no backlog, or hub-normal is not a target)');
    return;
  }

  const finishedAt = new Date();
  const report: BenchReport = {
    schemaVersion: 2,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    command: ['pnpm bench', ...argv.filter((a) => a !== '--')].join(' '),
    profile: profile.name,
    machine: machineInfo(),
    versions: versions(),
    setup: {
      loadWorkers: profile.workers,
      clientTransport: 'websocket',
      hubLimits: { maxPayloadBytes: 65_536, ratePerSecond: 100_000, rateBurst: 100_000 },
      hubLogLevel: 'warn',
      noisyRetries: run.noisyRetries,
      notes: [
        ...SETUP_NOTES,
        ...(options.profileHub ? ['The hub ran under node --cpu-prof: its figures in this run are slowed by the profiler.'] : []),
        ...(options.hubMain ? [`The hub was a candidate build: ${options.hubMain}.`] : []),
        ...(options.hubBase ? [`hub-base was the baseline build ${options.hubBase}, interleaved with hub-normal.`] : []),
        ...(options.hubNodeArgs.length > 0 ? [`The hub ran with node options ${options.hubNodeArgs.join(' ')}.`] : []),
        ...(options.postgres ? POSTGRES_NOTES : []),
      ],
    },
    goals: checkGoals(run.results),
    comparisons: compareTargets(run.results),
    targets: run.results,
    cpuProfiles: run.cpuProfiles,
    backlog: run.backlog,
  };
  const resultsFile = writeResultsFile(path.join(benchDir, 'results'), report);
  const relativeResults = path.relative(repoRoot, resultsFile);
  const markdown = renderMarkdown(report, relativeResults);
  if (options.writeDocs) appendToBenchmarksDoc(path.join(repoRoot, 'docs', 'benchmarks.md'), markdown);

  log('');
  if (backlogLine) log(backlogLine);
  for (const goal of report.goals) log(`${goal.met === null ? '?' : goal.met ? 'met   ' : 'NOT met'}  ${goal.goal}: ${goal.measured}`);
  for (const [id, summary] of Object.entries(run.cpuProfiles)) {
    log(`\nTop self time in ${id} (${summary?.busyMs} ms busy):`);
    for (const f of summary?.topFunctions.slice(0, 15) ?? []) log(`  ${String(f.percent).padStart(5)}%  ${f.name}  ${f.where}`);
    if ((summary?.threads.length ?? 0) < 2) continue;
    for (const thread of summary?.threads ?? []) {
      log(`\n  ${id}, thread ${thread.thread} only (${thread.busyMs} ms busy):`);
      for (const f of thread.topFunctions.slice(0, 12)) log(`    ${String(f.percent).padStart(5)}%  ${f.name}  ${f.where}`);
    }
  }
  log(`\nResults: ${relativeResults}${options.writeDocs ? ' (appended to docs/benchmarks.md)' : ''}; wall time ${report.wallSeconds} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
