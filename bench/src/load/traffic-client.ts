import { AgentEvent, ReviewerEvent } from '@approval-hub/protocol';
import { ackErrorCode, connectAgents, connectReviewers, type AgentSocket, type ReviewerSocket } from './connect-sockets.js';
import { requestPayloadFactory } from './request-payload.js';
import { StepRecorder } from './step-recorder.js';
import type { ConnectPlan, StepPlan, WorkerStepResult } from './worker-protocol.js';

interface Inflight {
  /** When the schedule said to send it (performance.now() ms): latencies start here, so a stall is never hidden. */
  intendedAt: number;
  /** When the robot reviewer answered; 0 until then. */
  decidedAt: number;
  /** False for warm-up requests and for leftovers of an earlier step. */
  recorded: boolean;
}

interface Reviewer {
  socket: ReviewerSocket;
  queue: string;
}

/**
 * One worker's agents and robot reviewers. Each reviewer owns one queue and every request of this worker goes to
 * one of its own reviewers' queues, so all four latencies are measured on one clock, in one process.
 */
export class TrafficClient {
  #agents: AgentSocket[] = [];
  #idleAgents: AgentSocket[] = [];
  #reviewers: Reviewer[] = [];
  readonly #inflight = new Map<string, Inflight>();
  #recorder: StepRecorder | null = null;
  /** Set for a windowed step: round trips are also recorded by the window their send was scheduled in. */
  #windowing: { startAt: number; windowMs: number } | null = null;
  #seq = 0;
  readonly #idPrefix: string;
  #drained: (() => void) | null = null;

  static #instances = 0;

  constructor(workerIndex: number) {
    // Unique across restarts on the same database: request ids are the hub's idempotency keys.
    this.#idPrefix = `b${Date.now().toString(36)}.w${workerIndex}.${TrafficClient.#instances++}`;
  }

  /** Adds the plan's sockets to those already connected (idle agents can join a running shape). */
  async connect(plan: ConnectPlan): Promise<void> {
    const reviewers = await connectReviewers(plan.nodeUrls, plan.reviewers.map((r) => r.token), (socket) => {
      socket.on(ReviewerEvent.request, (record) => this.#decide(socket, record.requestId));
    });
    await Promise.all(
      reviewers.map(async (socket, i) => {
        const queue = plan.reviewers[i]!.queue;
        const ack: unknown = await socket.timeout(30_000).emitWithAck(ReviewerEvent.subscribe, { queues: [queue] });
        const code = ackErrorCode(ack);
        if (code) throw new Error(`queue.subscribe refused: ${code}`);
        this.#reviewers.push({ socket, queue });
      }),
    );
    this.#agents.push(...(await connectAgents(plan.nodeUrls, plan.agents, (socket) => this.#listenForDecisions(socket))));
    this.#idleAgents.push(...(await connectAgents(plan.nodeUrls, plan.idleAgents, (socket) => this.#listenForDecisions(socket))));
  }

  #listenForDecisions(socket: AgentSocket): void {
    socket.on(AgentEvent.response, (payload, ack) => {
      // The hub keeps a decision queued until the agent's receipt arrives, so answer before anything else.
      if (typeof ack === 'function') ack({ ok: true, data: { requestId: payload.requestId } });
      this.#complete(payload.requestId);
    });
  }

  #decide(socket: ReviewerSocket, requestId: string): void {
    const now = performance.now();
    const inflight = this.#inflight.get(requestId);
    const recorder = this.#recorder;
    if (inflight) {
      inflight.decidedAt = now;
      if (inflight.recorded && recorder) recorder.record('seen', now - inflight.intendedAt);
    }
    socket.emit(ReviewerEvent.respond, { requestId, approved: true }, (ack) => {
      const code = ackErrorCode(ack);
      if (code && inflight?.recorded) recorder?.countError(`decision:${code}`);
    });
  }

  #complete(requestId: string): void {
    const inflight = this.#inflight.get(requestId);
    if (!inflight) return;
    this.#inflight.delete(requestId);
    const recorder = this.#recorder;
    if (inflight.recorded && recorder) {
      const now = performance.now();
      recorder.completed++;
      recorder.record('roundTrip', now - inflight.intendedAt);
      this.#recordWindow(recorder, inflight.intendedAt, now - inflight.intendedAt);
      if (inflight.decidedAt > 0) recorder.record('decisionToAgent', now - inflight.decidedAt);
    }
    if (this.#inflight.size === 0) this.#drained?.();
  }

  #recordWindow(recorder: StepRecorder, intendedAt: number, ms: number): void {
    const w = this.#windowing;
    if (w) recorder.recordWindow(Math.max(0, Math.floor((intendedAt - w.startAt) / w.windowMs)), ms);
  }

  /** Sends on a fixed schedule (open loop) and records the latencies; resolves after the grace period at the latest. */
  async runStep(plan: StepPlan): Promise<WorkerStepResult> {
    if (this.#agents.length === 0 || this.#reviewers.length === 0) throw new Error('runStep needs connected agents and reviewers');
    const recorder = new StepRecorder();
    this.#recorder = recorder;
    const startAt = performance.now() + (plan.startAtWallMs - Date.now());
    const recordFrom = startAt + plan.warmupMs;
    this.#windowing = plan.windowMs ? { startAt: recordFrom, windowMs: plan.windowMs } : null;
    const interval = 1000 / plan.ratePerSecond;
    const total = Math.floor((plan.ratePerSecond * plan.durationMs) / 1000);
    const makePayload = requestPayloadFactory(plan.argsBytes, 'bench-run');

    await new Promise<void>((resolve) => {
      let i = 0;
      const tick = () => {
        const now = performance.now();
        while (i < total) {
          const intendedAt = startAt + i * interval;
          if (intendedAt > now) break;
          this.#send(recorder, intendedAt, intendedAt >= recordFrom, now, makePayload, i);
          i++;
        }
        if (i >= total) return resolve();
        setTimeout(tick, Math.max(0, startAt + i * interval - performance.now()));
      };
      setTimeout(tick, Math.max(0, startAt - performance.now()));
    });

    await this.#waitForDrain(plan.graceMs);
    const now = performance.now();
    for (const inflight of this.#inflight.values()) {
      if (!inflight.recorded) continue;
      // Not back in time: record how long it had waited, so a stall shows in the percentiles instead of vanishing.
      recorder.incomplete++;
      recorder.record('roundTrip', now - inflight.intendedAt);
      this.#recordWindow(recorder, inflight.intendedAt, now - inflight.intendedAt);
      inflight.recorded = false;
    }
    this.#recorder = null;
    this.#windowing = null;
    return recorder.finish();
  }

  #send(
    recorder: StepRecorder,
    intendedAt: number,
    recorded: boolean,
    now: number,
    makePayload: ReturnType<typeof requestPayloadFactory>,
    i: number,
  ): void {
    const agent = this.#agents[i % this.#agents.length]!;
    const queue = this.#reviewers[i % this.#reviewers.length]!.queue;
    const requestId = `${this.#idPrefix}.${this.#seq++}`;
    const inflight: Inflight = { intendedAt, decidedAt: 0, recorded };
    this.#inflight.set(requestId, inflight);
    recorder.sent++;
    if (recorded) {
      recorder.recorded++;
      recorder.record('sendLag', now - intendedAt);
    }
    agent.emit(AgentEvent.request, makePayload(requestId, queue, i), (ack) => {
      const code = ackErrorCode(ack);
      if (code) {
        if (inflight.recorded && this.#recorder === recorder) recorder.countError(`request:${code}`);
        inflight.recorded = false;
        this.#complete(requestId);
        return;
      }
      recorder.accepted++;
      if (inflight.recorded && this.#recorder === recorder) {
        recorder.acked++;
        recorder.record('ack', performance.now() - intendedAt);
      }
    });
  }

  #waitForDrain(timeoutMs: number): Promise<void> {
    if (this.#inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#drained = null;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#drained = done;
    });
  }

  /** Waits for leftovers of an overloaded step to come back, so they do not load the next step; returns how many never did. */
  async settle(timeoutMs: number): Promise<number> {
    await this.#waitForDrain(timeoutMs);
    const leftover = this.#inflight.size;
    this.#inflight.clear();
    return leftover;
  }

  async disconnect(): Promise<void> {
    for (const socket of [...this.#agents, ...this.#idleAgents]) socket.disconnect();
    for (const { socket } of this.#reviewers) socket.disconnect();
    this.#agents = [];
    this.#idleAgents = [];
    this.#reviewers = [];
    this.#inflight.clear();
    // Let the close frames leave before the caller measures the server.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
