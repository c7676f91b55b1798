import type { BacklogSettings } from './scenarios/backlog-seed.js';
import type { IdleSettings } from './scenarios/idle-connections.js';
import type { LoadShape } from './scenarios/load-shape.js';
import type { StepSettings } from './scenarios/measured-step.js';
import type { NoisePolicy } from './scenarios/quiet-measure.js';
import type { StormSettings } from './scenarios/reconnect-storm.js';
import type { SoakSettings } from './scenarios/soak.js';
import type { LadderSettings } from './scenarios/throughput-ladder.js';
import type { TargetId } from './servers/bench-target.js';

export interface BenchProfile {
  name: 'quick' | 'full' | 'quick-postgres' | 'full-postgres';
  /** Load-generating processes (the machine has 2 cores; the server gets its own process besides). */
  workers: number;
  targets: TargetId[];
  /** 10 agents × 1 reviewer at a modest fixed rate. */
  small: { shape: LoadShape; warmup: StepSettings; step: StepSettings };
  /** 1,000 agents × 20 reviewers at 1,000 req/s: the fixed-rate comparison. */
  fixed: { shape: LoadShape; warmup: StepSettings; step: StepSettings };
  /** Stepped rates on the fixed shape, starting at the fixed rate. */
  ladder: LadderSettings;
  payloads: { targets: TargetId[]; shape: LoadShape; sizes: number[]; step: Omit<StepSettings, 'argsBytes'> };
  idle: { targets: TargetId[]; settings: IdleSettings };
  storm: { targets: TargetId[]; settings: StormSettings };
  /** Steps disturbed by foreign load on this shared machine are measured again. */
  noise: NoisePolicy;
  /**
   * All servers up at once, steps taken on each in turn (true), or one server at a time (false). Interleaving
   * compares servers over neighbouring seconds, but a server that keeps working off a backlog long after an
   * overloaded step (the PostgreSQL hubs) then loads the machine while the others are measured.
   */
  interleave: boolean;
  /** A steady load on 1,000 × 20 for minutes, on hub-normal only: flat p99 per window, bounded WAL. */
  soak: SoakSettings;
  /** The fixed shape at one rate on hub-normal, with an empty database and with a large pending backlog (0 skips it). */
  backlog: { settings: BacklogSettings; step: StepSettings };
}

const SMALL_SHAPE: LoadShape = { agents: 10, reviewers: 1, idleAgents: 0 };
const FIXED_SHAPE: LoadShape = { agents: 1000, reviewers: 20, idleAgents: 0 };
const SDK_BACKOFF = { reconnectionDelayMs: 500, reconnectionDelayMaxMs: 5000 };

/** `pnpm bench`: every scenario once, short steps; fits in about two and a half minutes here. */
export const QUICK_PROFILE: BenchProfile = {
  name: 'quick',
  workers: 2,
  targets: ['relay', 'hub-normal', 'hub-full'],
  small: {
    shape: SMALL_SHAPE,
    warmup: { ratePerSecond: 200, durationMs: 1000, warmupMs: 0, graceMs: 2000, argsBytes: 0 },
    step: { ratePerSecond: 200, durationMs: 2500, warmupMs: 500, graceMs: 2000, argsBytes: 0 },
  },
  fixed: {
    shape: FIXED_SHAPE,
    warmup: { ratePerSecond: 500, durationMs: 1500, warmupMs: 0, graceMs: 2000, argsBytes: 0 },
    step: { ratePerSecond: 1000, durationMs: 3500, warmupMs: 500, graceMs: 2000, argsBytes: 0 },
  },
  ladder: {
    // Up to where the relay fails on this machine (about 6,000-8,000 req/s when it is quiet).
    rates: [1000, 2000, 3000, 4000, 6000, 8000, 10_000],
    refineRounds: 2,
    resolution: 0.1,
    step: { durationMs: 2500, warmupMs: 500, graceMs: 2000, argsBytes: 0 },
  },
  payloads: {
    targets: ['relay', 'hub-normal'],
    shape: SMALL_SHAPE,
    sizes: [1024, 32 * 1024],
    step: { ratePerSecond: 200, durationMs: 2500, warmupMs: 500, graceMs: 2000 },
  },
  idle: {
    targets: ['relay', 'hub-normal'],
    settings: {
      idleAgents: 5000,
      activeShape: SMALL_SHAPE,
      settleMs: 1000,
      step: { ratePerSecond: 200, durationMs: 2500, warmupMs: 500, graceMs: 2000, argsBytes: 0 },
    },
  },
  storm: {
    targets: ['relay', 'hub-normal'],
    settings: { agents: 2000, timeoutMs: 30_000, ...SDK_BACKOFF },
  },
  noise: { otherLoadLimitPercent: 30, maxAttempts: 2, retryBudgetMs: 20_000 },
  interleave: true,
  soak: { ratePerSecond: 1000, durationMs: 60_000, windowMs: 10_000, graceMs: 5000 },
  backlog: {
    settings: { pending: 100_000, agents: FIXED_SHAPE.agents, queues: FIXED_SHAPE.reviewers },
    step: { ratePerSecond: 500, durationMs: 10_000, warmupMs: 1000, graceMs: 2000, argsBytes: 0 },
  },
};

/** `pnpm bench --full`: longer steps, a finer ladder, every scenario on every server (about ten minutes). */
export const FULL_PROFILE: BenchProfile = {
  name: 'full',
  workers: 2,
  targets: ['relay', 'hub-normal', 'hub-full'],
  small: {
    shape: SMALL_SHAPE,
    warmup: { ratePerSecond: 200, durationMs: 2000, warmupMs: 0, graceMs: 5000, argsBytes: 0 },
    step: { ratePerSecond: 200, durationMs: 10_000, warmupMs: 1000, graceMs: 5000, argsBytes: 0 },
  },
  fixed: {
    shape: FIXED_SHAPE,
    warmup: { ratePerSecond: 500, durationMs: 3000, warmupMs: 0, graceMs: 5000, argsBytes: 0 },
    step: { ratePerSecond: 1000, durationMs: 20_000, warmupMs: 2000, graceMs: 5000, argsBytes: 0 },
  },
  ladder: {
    rates: [1000, 2000, 3000, 4000, 5000, 6000, 8000, 10_000, 12_000],
    refineRounds: 3,
    resolution: 0.05,
    step: { durationMs: 10_000, warmupMs: 1000, graceMs: 5000, argsBytes: 0 },
  },
  payloads: {
    targets: ['relay', 'hub-normal', 'hub-full'],
    shape: SMALL_SHAPE,
    sizes: [1024, 32 * 1024],
    step: { ratePerSecond: 200, durationMs: 10_000, warmupMs: 1000, graceMs: 5000 },
  },
  idle: {
    targets: ['relay', 'hub-normal', 'hub-full'],
    settings: {
      idleAgents: 5000,
      activeShape: SMALL_SHAPE,
      settleMs: 2000,
      step: { ratePerSecond: 200, durationMs: 10_000, warmupMs: 1000, graceMs: 5000, argsBytes: 0 },
    },
  },
  storm: {
    targets: ['relay', 'hub-normal', 'hub-full'],
    settings: { agents: 2000, timeoutMs: 60_000, ...SDK_BACKOFF },
  },
  noise: { otherLoadLimitPercent: 30, maxAttempts: 5, retryBudgetMs: 180_000 },
  interleave: true,
  soak: { ratePerSecond: 1000, durationMs: 300_000, windowMs: 10_000, graceMs: 5000 },
  backlog: {
    settings: { pending: 100_000, agents: FIXED_SHAPE.agents, queues: FIXED_SHAPE.reviewers },
    step: { ratePerSecond: 1000, durationMs: 10_000, warmupMs: 1000, graceMs: 5000, argsBytes: 0 },
  },
};

/**
 * `pnpm bench --postgres`: the same steps with the hub on PostgreSQL, one node and three on one database, beside
 * the relay and one hub on SQLite. The idle scenario and the soak are left to the SQLite profiles (the socket layer
 * is the same; the soak watches SQLite's WAL).
 */
export function withPostgres(profile: BenchProfile): BenchProfile {
  return {
    ...profile,
    name: profile.name === 'full' ? 'full-postgres' : 'quick-postgres',
    targets: ['relay', 'hub-normal', 'hub-postgres', 'hub-postgres-3'],
    payloads: { ...profile.payloads, targets: ['relay', 'hub-normal', 'hub-postgres'] },
    idle: { ...profile.idle, targets: [] },
    storm: { ...profile.storm, targets: ['relay', 'hub-normal', 'hub-postgres'] },
    soak: { ...profile.soak, durationMs: 0 },
    // The backlog scenario seeds hub-normal's SQLite file; PostgreSQL's counters are covered by the contract suite.
    backlog: { ...profile.backlog, settings: { ...profile.backlog.settings, pending: 0 } },
    interleave: false,
  };
}

/** Agent tokens the hub must know: the largest number of agent sockets any scenario opens. */
export function agentTokensNeeded(profile: BenchProfile): number {
  const idle = profile.idle.settings;
  return Math.max(
    profile.small.shape.agents,
    profile.fixed.shape.agents,
    idle.activeShape.agents + idle.idleAgents,
    profile.storm.settings.agents,
  );
}

export function reviewerTokensNeeded(profile: BenchProfile): number {
  return Math.max(profile.small.shape.reviewers, profile.fixed.shape.reviewers, profile.idle.settings.activeShape.reviewers);
}
