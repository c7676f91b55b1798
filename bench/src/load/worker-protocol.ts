/** The messages between the orchestrator and a load worker process (Node IPC; both sides are ours). */

export interface ReviewerSpec {
  token: string;
  /** The reviewer subscribes to this queue only; requests for it are decided by this reviewer alone. */
  queue: string;
}

export interface ConnectPlan {
  /** The server this plan's sockets are filed under (a cluster's first node). */
  url: string;
  /** Where the sockets actually connect: the server's nodes, spread round-robin. */
  nodeUrls: string[];
  /** Tokens of agents that send requests. */
  agents: string[];
  /** Tokens of agents that only hold a connection open. */
  idleAgents: string[];
  reviewers: ReviewerSpec[];
}

export interface StepPlan {
  /** The server whose connected shape runs this step. */
  url: string;
  /** Wall-clock start shared by all workers, so their schedules line up. */
  startAtWallMs: number;
  /** This worker's share of the rate. */
  ratePerSecond: number;
  /** Sending time, warm-up included. */
  durationMs: number;
  /** Requests scheduled in the first `warmupMs` are sent but not recorded. */
  warmupMs: number;
  /** Approximate JSON size of the tool arguments; 0 = a small (~60 B) argument object. */
  argsBytes: number;
  /** How long to wait after the last send for the remaining decisions before they count as incomplete. */
  graceMs: number;
  /** When set, round trips are also kept per window of this many ms of send time (the soak's flatness check). */
  windowMs?: number;
}

export type HistogramName = 'ack' | 'seen' | 'decisionToAgent' | 'roundTrip' | 'sendLag';

export interface WorkerStepResult {
  sent: number;
  recorded: number;
  acked: number;
  /** Accepted requests including warm-up ones: what the server wrote. */
  accepted: number;
  completed: number;
  /** Recorded requests with no decision back by the end of the grace period (their round trip is recorded as the time waited). */
  incomplete: number;
  errors: Record<string, number>;
  /** Compressed HdrHistograms (microseconds). */
  histograms: Record<HistogramName, string>;
  /** Round trips per send-time window, when the plan asked for windows (compressed HdrHistograms). */
  windows?: string[];
  cpuMicros: number;
  wallMs: number;
}

export interface StormPlan {
  url: string;
  agents: string[];
  /** Reconnection delays as the agent SDK uses them. */
  reconnectionDelayMs: number;
  reconnectionDelayMaxMs: number;
}

export interface StormAgentTimes {
  /** Wall-clock ms at which each agent had its records back after the restart. */
  syncedAtWallMs: number[];
  /** Wall-clock ms of each agent's reconnection. */
  reconnectedAtWallMs: number[];
  notSynced: number;
  recordsReturned: number;
  syncErrors: number;
}

export type WorkerCommand =
  | { type: 'connect'; plan: ConnectPlan }
  | { type: 'run'; plan: StepPlan }
  | { type: 'settle'; url: string; timeoutMs: number }
  | { type: 'disconnect'; url: string }
  | { type: 'storm-prepare'; plan: StormPlan }
  | { type: 'storm-watch'; timeoutMs: number }
  | { type: 'exit' };

export type WorkerReply =
  | { type: 'connected'; ms: number }
  | { type: 'step-result'; result: WorkerStepResult }
  | { type: 'settled'; leftover: number }
  | { type: 'disconnected' }
  | { type: 'storm-ready'; ms: number }
  | { type: 'storm-result'; times: StormAgentTimes }
  | { type: 'failed'; message: string };

export interface CommandEnvelope {
  id: number;
  command: WorkerCommand;
}

export interface ReplyEnvelope {
  id: number;
  reply: WorkerReply;
}
