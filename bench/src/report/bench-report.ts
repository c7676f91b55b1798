import type { ProfileSummary } from '../profiling/cpu-profile-summary.js';
import type { BenchProfile } from '../profiles.js';
import type { TargetId } from '../servers/bench-target.js';
import type { BacklogResult } from '../suite/backlog-session.js';
import type { TargetResult } from '../suite/target-result.js';
import type { MachineInfo, Versions } from './machine-info.js';
import type { Comparison, GoalCheck } from './ratios.js';

/** The JSON written to bench/results/, one file per run. */
export interface BenchReport {
  /** 2: comparisons hold a value per server and named ratio columns (1 had fixed relay / normal / full fields). */
  schemaVersion: 2;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  command: string;
  profile: BenchProfile['name'];
  machine: MachineInfo;
  versions: Versions;
  setup: {
    loadWorkers: number;
    clientTransport: 'websocket';
    hubLimits: { maxPayloadBytes: number; ratePerSecond: number; rateBurst: number };
    hubLogLevel: string;
    /** Steps measured again because foreign load on the machine disturbed them. */
    noisyRetries: number;
    notes: string[];
  };
  goals: GoalCheck[];
  comparisons: Comparison[];
  targets: Partial<Record<TargetId, TargetResult>>;
  cpuProfiles: Partial<Record<TargetId, ProfileSummary>>;
  /** Create and decide p99 with a large pending backlog ÷ without (null when the profile runs no backlog). */
  backlog?: BacklogResult | null;
}

export const POSTGRES_NOTES = [
  'PostgreSQL (Debian\'s server binaries) ran on the same machine, started by the bench in a fresh cluster with fsync and full-page writes on and synchronous_commit off: the promise of SQLite at durability "normal" (nothing acknowledged is lost when a process dies; a power cut may lose the last fraction of a second). Its CPU (postmaster and every backend, from /proc) is reported beside the hub\'s and not counted as foreign load.',
  'Three nodes: three hub processes on one database, each with its own connection pool, LISTEN connection and Socket.IO adapter; each worker spreads its agents over the nodes and puts its reviewers one node further on, so about two thirds of requests and decisions cross nodes. CPU and memory are summed over the nodes, loop delay is the worst node\'s.',
  'On 2 cores, three nodes cannot scale: they share the cores with each other, PostgreSQL and the load workers. The 3-node figures show what fan-out across nodes costs, not what more machines would give.',
];

export const SETUP_NOTES = [
  'Servers run as their own Node process; load comes from separate forked worker processes (2), never from the server process.',
  'Open loop: requests go out on a fixed schedule and every latency is measured from the intended send time (coordinated omission corrected); requests not back within the grace period are recorded at the time waited and counted incomplete.',
  'Each robot reviewer subscribes to its own queue and approves at once; agents spread requests over the reviewers of their own worker, so all four latencies are taken on one clock.',
  'Every agent socket has its own token (the hub delivers a decision to every socket of a principal).',
  'Hub rate limits raised to 100,000/s (burst 100,000) so they never shape the load; logLevel warn.',
  'Database size per 100k requests is extrapolated from the bytes on disk after a clean stop divided by the requests that session wrote.',
  'Memory per idle connection = RSS (and heap) difference across connecting the idle agents, without forcing GC.',
  'On 2 cores the server and the load workers compete for CPU: client CPU is reported beside every step, and the relay ceiling is partly set by the clients. Ratios from the same run are the result, absolute numbers are not.',
];
