import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkerPool } from '../load/worker-pool.js';
import { summarizeCpuProfiles, type ProfileSummary } from '../profiling/cpu-profile-summary.js';
import { agentTokensNeeded, reviewerTokensNeeded, type BenchProfile } from '../profiles.js';
import { QuietMeasurer } from '../scenarios/quiet-measure.js';
import type { StormResult } from '../scenarios/reconnect-storm.js';
import type { BenchTarget, TargetId } from '../servers/bench-target.js';
import type { PostgresServer } from '@approval-hub/test-postgres';
import { startBenchPostgres } from '../servers/bench-postgres.js';
import { hubTarget } from '../servers/hub-target.js';
import { postgresHubTarget } from '../servers/postgres-hub-target.js';
import { relayTarget } from '../servers/relay-target.js';
import { runBacklogSession, type BacklogResult } from './backlog-session.js';
import { runInterleavedThroughput, type ThroughputResult } from './interleaved-throughput.js';
import { runLightSession, type LightSessionResult } from './light-session.js';
import { runPayloadSessions, type PayloadResult } from './payload-sessions.js';
import { ServerHolder } from './server-holder.js';
import { runSoakSession } from './soak-session.js';
import { runStormSession } from './storm-session.js';
import type { SoakResult } from '../scenarios/soak.js';
import type { Log } from './suite-log.js';
import type { TargetResult } from './target-result.js';

export interface SuiteOptions {
  profile: BenchProfile;
  targets: TargetId[];
  /** Run the hub under `node --cpu-prof`, writing profiles here. */
  cpuProfileDir: string | null;
  /** Keep the databases and server logs instead of deleting them. */
  keepWorkDir: boolean;
  /** A candidate hub build's main.js instead of the workspace's. */
  hubMain: string | null;
  /** Extra `node` options for every hub process. */
  hubNodeArgs: string[];
  /** The baseline build's main.js for the `hub-base` target (`--hub-base`). */
  hubBase: string | null;
  /** Overrides the profile's soak length; 0 skips it. */
  soakSeconds: number | null;
  /** Run only the backlog scenario (hub-normal, empty and with the backlog). */
  backlogOnly: boolean;
  log: Log;
}

export interface SuiteRun {
  workDir: string;
  results: Partial<Record<TargetId, TargetResult>>;
  cpuProfiles: Partial<Record<TargetId, ProfileSummary>>;
  /** Steps measured again because foreign load disturbed them. */
  noisyRetries: number;
  backlog: BacklogResult | null;
}

const isPostgresTarget = (id: TargetId) => id === 'hub-postgres' || id === 'hub-postgres-3';

async function makeTarget(id: TargetId, profile: BenchProfile, workDir: string, options: SuiteOptions, postgres: PostgresServer | null): Promise<BenchTarget> {
  const { cpuProfileDir, hubMain, hubNodeArgs } = options;
  if (id === 'relay') return relayTarget(workDir);
  const profileDir = cpuProfileDir ? path.join(cpuProfileDir, id) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  if (isPostgresTarget(id)) {
    if (!postgres) throw new Error(`${id} needs a PostgreSQL server`);
    return postgresHubTarget({
      nodes: id === 'hub-postgres' ? 1 : 3,
      workDir,
      databaseUrl: await postgres.createDatabase(id.replaceAll('-', '_')),
      postgresPid: postgres.pid ?? null,
      agentTokens: agentTokensNeeded(profile),
      reviewerTokens: reviewerTokensNeeded(profile),
      ...(profileDir ? { cpuProfileDir: profileDir } : {}),
      ...(hubMain ? { mainScript: hubMain } : {}),
      ...(hubNodeArgs.length > 0 ? { nodeArgs: hubNodeArgs } : {}),
    });
  }
  if (id === 'hub-base' && !options.hubBase) throw new Error('hub-base needs --hub-base /path/to/baseline/dist/main.js');
  return hubTarget({
    durability: id === 'hub-full' ? 'full' : 'normal',
    workDir,
    agentTokens: agentTokensNeeded(profile),
    reviewerTokens: reviewerTokensNeeded(profile),
    ...(profileDir ? { cpuProfileDir: profileDir } : {}),
    ...(hubMain ? { mainScript: hubMain } : {}),
    ...(hubNodeArgs.length > 0 ? { nodeArgs: hubNodeArgs } : {}),
    // Last: --hub-main and --hub-node-args name the build and options of hub-normal, never the baseline's.
    ...(id === 'hub-base' ? { id, mainScript: options.hubBase!, nodeArgs: [] } : {}),
  });
}

/**
 * Four phases, each on every server: a light session (idle connections, 10 × 1), the interleaved throughput
 * phase (1,000 × 20 at a fixed rate, then the ladder), one session per payload size, and the reconnect storm.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteRun> {
  const { profile, log } = options;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'approval-hub-bench-'));
  const postgres = options.targets.some(isPostgresTarget) ? await startBenchPostgres() : null;
  if (postgres) log(`PostgreSQL up (${postgres.pid === undefined ? 'PG_TEST_URL' : `pid ${postgres.pid}`})`);
  const pool = WorkerPool.start(profile.workers);
  const holder = new ServerHolder();
  const quiet = new QuietMeasurer(profile.noise);
  let failed = false;
  try {
    const backlogWanted = profile.backlog.settings.pending > 0 && options.targets.includes('hub-normal');
    const backlog = () => (backlogWanted ? runBacklogSession(profile, workDir, options.hubMain, options.hubNodeArgs, pool, holder, quiet, log) : Promise.resolve(null));
    if (options.backlogOnly) return { workDir, results: {}, cpuProfiles: {}, noisyRetries: quiet.retries, backlog: await backlog() };
    const targets: BenchTarget[] = [];
    for (const id of options.targets) targets.push(await makeTarget(id, profile, workDir, options, postgres));
    const light = new Map<TargetId, LightSessionResult>();
    for (const target of targets) light.set(target.id, await runLightSession(target, profile, pool, holder, quiet, log));

    const throughput = profile.interleave ? await runInterleavedThroughput(targets, profile, pool, holder, quiet, log) : new Map<TargetId, ThroughputResult>();
    if (!profile.interleave) {
      for (const target of targets) {
        for (const [id, result] of await runInterleavedThroughput([target], profile, pool, holder, quiet, log)) throughput.set(id, result);
      }
    }

    const payloads = new Map<TargetId, PayloadResult[]>();
    for (const target of targets.filter((t) => profile.payloads.targets.includes(t.id))) {
      payloads.set(target.id, await runPayloadSessions(target, profile, pool, holder, quiet, log));
    }
    const storms = new Map<TargetId, StormResult>();
    for (const target of targets.filter((t) => profile.storm.targets.includes(t.id))) {
      storms.set(target.id, await runStormSession(target, profile, pool, holder, log));
    }
    const soakSettings = options.soakSeconds === null ? profile.soak : { ...profile.soak, durationMs: options.soakSeconds * 1000 };
    let soak: SoakResult | null = null;
    const soakTarget = targets.find((t) => t.id === 'hub-normal');
    if (soakTarget && soakSettings.durationMs > 0) soak = await runSoakSession(soakTarget, profile, soakSettings, pool, holder, log);

    const backlogResult = await backlog();
    const run: SuiteRun = { workDir, results: {}, cpuProfiles: {}, noisyRetries: quiet.retries, backlog: backlogResult };
    for (const target of targets) {
      const l = light.get(target.id)!;
      const t = throughput.get(target.id)!;
      run.results[target.id] = {
        id: target.id,
        startupMs: l.startupMs,
        connectMs: { small: l.smallConnectMs, fixed: t.connectMs },
        idle: l.idle,
        small: l.small,
        fixed: t.fixed,
        ladder: t.ladder,
        payloads: payloads.get(target.id) ?? [],
        storm: storms.get(target.id) ?? null,
        soak: target === soakTarget ? soak : null,
        database: t.database,
      };
      const profiles = target.cpuProfiles();
      if (profiles.length > 0) run.cpuProfiles[target.id] = summarizeCpuProfiles(profiles);
    }
    return run;
  } catch (error) {
    failed = true;
    log(`benchmark failed; the servers' logs and databases are kept in ${workDir}`);
    throw error;
  } finally {
    await holder.killAll();
    await pool.close();
    await postgres?.stop();
    if (!failed && !options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
}
