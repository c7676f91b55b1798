import type { ApprovalRecord } from '@approval-hub/protocol';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApprovalEngine } from '../engine/approval-engine.js';
import type { StoreCounts } from '../store/store.js';
import type { CommitObserver } from '../store/timed-store.js';

/** With no queues configured, the first this-many queue names seen get their own label; the rest are `other`. */
export const MAX_QUEUE_LABELS = 50;
export const OTHER_QUEUE = 'other';

export interface MetricsSources {
  engine: ApprovalEngine;
  counts: () => Promise<StoreCounts>;
  connections: () => { agents: number; reviewers: number };
  /** The queues in the config (empty = any queue is accepted). */
  configuredQueues: () => readonly string[];
  /** Notification outbox rows by status (pending = the backlog, dead = the dead letters). */
  outboxCounts?: () => Promise<Record<string, number>>;
}

/**
 * Keeps the `queue` label bounded: configured queues are the only ones the hub accepts; without a list, a capped
 * set of names seen first, and `other` beyond it. Never request ids or agent names.
 */
export function queueLabeller(configured: () => readonly string[], max = MAX_QUEUE_LABELS) {
  const seen = new Set<string>();
  return (queue: string): string => {
    const list = configured();
    if (list.length > 0) return list.includes(queue) ? queue : OTHER_QUEUE;
    if (seen.has(queue)) return queue;
    if (seen.size >= max) return OTHER_QUEUE;
    seen.add(queue);
    return queue;
  };
}

const decisionKind = (record: ApprovalRecord): string => record.decision?.decidedBy.kind ?? 'cancel';

/**
 * The hub's metrics registry (several hubs can live in one process, as in tests), with the default process metrics
 * and the store's commit latency. It exists before the store, whose writes `observeCommit` times
 * (`timeStoreWrites`); `createHubMetrics` adds the rest once the engine exists.
 */
export function createCommitMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const commitLatency = new Histogram({
    name: 'approval_hub_store_commit_seconds',
    help: 'Store writes, from the call until the transaction committed (or failed).',
    labelNames: ['write', 'result'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const observeCommit: CommitObserver = (write, seconds, ok) => commitLatency.observe({ write, result: ok ? 'ok' : 'error' }, seconds);
  return { registry, observeCommit };
}
type CommitMetrics = ReturnType<typeof createCommitMetrics>;

/**
 * The hub's Prometheus metrics, on the registry `createCommitMetrics` made. The engine knows nothing of this: it is
 * fed by engine events, the timed store's commit observer, and, at scrape time, the store's counts and the socket
 * server.
 */
export function createHubMetrics({ registry, observeCommit }: CommitMetrics, sources: MetricsSources) {
  const registers = [registry];
  const queueOf = queueLabeller(sources.configuredQueues);

  const requests = new Counter({
    name: 'approval_hub_requests_total',
    help: 'New approval requests by outcome on arrival: pending (waits for a reviewer), auto_approved or auto_denied (a policy decided).',
    labelNames: ['queue', 'outcome'] as const,
    registers,
  });
  const decisions = new Counter({
    name: 'approval_hub_decisions_total',
    help: 'Requests that left pending, by who decided (reviewer, policy, timeout, cancel) and the resulting status.',
    labelNames: ['queue', 'kind', 'status'] as const,
    registers,
  });
  const timeToDecision = new Histogram({
    name: 'approval_hub_time_to_decision_seconds',
    help: 'From request to decision (reviewer, policy or timeout; cancels are not decisions).',
    labelNames: ['queue', 'kind'] as const,
    buckets: [0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
    registers,
  });
  const purged = new Counter({ name: 'approval_hub_purged_requests_total', help: 'Decided requests removed by retention.', registers });

  new Gauge({
    name: 'approval_hub_pending_requests',
    help: 'Requests waiting for a decision, per queue.',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      const { pendingByQueue } = await cachedCounts();
      this.reset();
      const byLabel = new Map<string, number>();
      for (const queue of sources.configuredQueues()) byLabel.set(queue, 0);
      for (const [queue, n] of Object.entries(pendingByQueue)) byLabel.set(queueOf(queue), (byLabel.get(queueOf(queue)) ?? 0) + n);
      for (const [queue, n] of byLabel) this.set({ queue }, n);
    },
  });
  new Gauge({
    name: 'approval_hub_undelivered_decisions',
    help: 'Decisions not yet acknowledged by their agent (the delivery backlog).',
    registers,
    async collect() {
      this.set((await cachedCounts()).undelivered);
    },
  });
  new Gauge({
    name: 'approval_hub_connected_clients',
    help: 'Open Socket.IO connections by role namespace.',
    labelNames: ['role'] as const,
    registers,
    collect() {
      const { agents, reviewers } = sources.connections();
      this.set({ role: 'agent' }, agents);
      this.set({ role: 'reviewer' }, reviewers);
    },
  });
  new Gauge({
    name: 'approval_hub_healthy',
    help: '1 when the database answers and takes writes (GET /api/health is ok), 0 when degraded.',
    registers,
    async collect() {
      this.set((await sources.engine.health()).ok ? 1 : 0);
    },
  });

  const outboxCounts = sources.outboxCounts;
  if (outboxCounts) {
    new Gauge({
      name: 'approval_hub_notification_outbox',
      help: 'Notification outbox rows by status: pending is the backlog still to send (or retrying), dead the dead letters.',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const counts = await outboxCounts();
        for (const status of ['pending', 'dead']) this.set({ status }, counts[status] ?? 0);
      },
    });
  }

  // One store read per scrape, shared by the gauges that need it.
  let counting: Promise<StoreCounts> | null = null;
  function cachedCounts(): Promise<StoreCounts> {
    counting ??= sources.counts().finally(() => setImmediate(() => (counting = null)));
    return counting;
  }

  // Each node counts the requests it took in; summed over nodes, nothing is counted twice.
  sources.engine.on('requested', (record, origin) => origin === 'here' && requests.inc({ queue: queueOf(record.queue), outcome: 'pending' }));
  sources.engine.on('resolved', (record, _principalId, origin) => {
    // Each node counts what it decided; summed over nodes, nothing is counted twice.
    if (origin !== 'here') return;
    const queue = queueOf(record.queue);
    const kind = decisionKind(record);
    if (kind === 'policy') requests.inc({ queue, outcome: record.status === 'approved' ? 'auto_approved' : 'auto_denied' });
    decisions.inc({ queue, kind, status: record.status });
    if (record.decision) {
      const seconds = (Date.parse(record.decision.decidedAt) - Date.parse(record.createdAt)) / 1000;
      timeToDecision.observe({ queue, kind }, Math.max(0, seconds));
    }
  });
  sources.engine.on('purged', (count) => purged.inc(count));

  return {
    registry,
    observeCommit,
    contentType: registry.contentType,
    /** The exposition text for one scrape. */
    text: () => registry.metrics(),
  };
}
export type HubMetrics = ReturnType<typeof createHubMetrics>;
