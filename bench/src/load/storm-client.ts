import { AgentEvent } from '@approval-hub/protocol';
import { ackErrorCode, connectAgents, type AgentSocket } from './connect-sockets.js';
import { requestPayloadFactory } from './request-payload.js';
import type { StormAgentTimes, StormPlan } from './worker-protocol.js';

const SYNC_TIMEOUT_MS = 10_000;
const SYNC_RETRY_MS = 250;

interface StormAgent {
  socket: AgentSocket;
  requestId: string;
  reconnectedAt: number;
  syncedAt: number;
  recordsReturned: number;
}

/**
 * Agents that each hold one acknowledged, pending request, then ride out a server restart: on reconnecting
 * each sends `approval.sync` for its request, as the agent SDK does, until the server answers.
 */
export class StormClient {
  #agents: StormAgent[] = [];
  #watching = false;
  #syncErrors = 0;
  #onSynced: (() => void) | null = null;

  async prepare(plan: StormPlan, workerIndex: number): Promise<void> {
    const makePayload = requestPayloadFactory(0, 'bench-storm');
    const prefix = `s${Date.now().toString(36)}.w${workerIndex}`;
    const sockets = await connectAgents([plan.url], plan.agents, () => undefined, {
      reconnectionDelayMs: plan.reconnectionDelayMs,
      reconnectionDelayMaxMs: plan.reconnectionDelayMaxMs,
    });
    this.#agents = sockets.map((socket, i) => ({ socket, requestId: `${prefix}.${i}`, reconnectedAt: 0, syncedAt: 0, recordsReturned: 0 }));
    await Promise.all(
      this.#agents.map(async (agent, i) => {
        const ack: unknown = await agent.socket.timeout(30_000).emitWithAck(AgentEvent.request, makePayload(agent.requestId, 'storm', i));
        const code = ackErrorCode(ack);
        if (code) throw new Error(`storm request refused: ${code}`);
      }),
    );
    for (const agent of this.#agents) agent.socket.on('connect', () => this.#onReconnect(agent));
    // From here on any reconnection is the storm: the orchestrator kills the server next.
    this.#watching = true;
  }

  #onReconnect(agent: StormAgent): void {
    if (!this.#watching || agent.syncedAt > 0) return;
    agent.reconnectedAt = Date.now();
    // #sync catches the failures it expects and retries; anything else is counted with them, in the report.
    this.#sync(agent).catch(() => {
      this.#syncErrors++;
    });
  }

  async #sync(agent: StormAgent): Promise<void> {
    while (this.#watching && agent.syncedAt === 0 && agent.socket.connected) {
      try {
        const ack: unknown = await agent.socket.timeout(SYNC_TIMEOUT_MS).emitWithAck(AgentEvent.sync, { requestIds: [agent.requestId] });
        if (ackErrorCode(ack) === null) {
          const records = (ack as { data?: unknown }).data;
          agent.recordsReturned = Array.isArray(records) ? records.length : 0;
          agent.syncedAt = Date.now();
          if (this.#agents.every((a) => a.syncedAt > 0)) this.#onSynced?.();
          return;
        }
      } catch {
        // Timed out: the connection is probably gone again; the next 'connect' retries.
      }
      this.#syncErrors++;
      await new Promise((resolve) => setTimeout(resolve, SYNC_RETRY_MS));
    }
  }

  /** Resolves when every agent has re-synced after the restart, or at the timeout. */
  async watch(timeoutMs: number): Promise<StormAgentTimes> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#onSynced = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#watching = false;
    this.#onSynced = null;
    const synced = this.#agents.filter((a) => a.syncedAt > 0);
    const times: StormAgentTimes = {
      syncedAtWallMs: synced.map((a) => a.syncedAt),
      reconnectedAtWallMs: this.#agents.filter((a) => a.reconnectedAt > 0).map((a) => a.reconnectedAt),
      notSynced: this.#agents.length - synced.length,
      recordsReturned: this.#agents.reduce((n, a) => n + a.recordsReturned, 0),
      syncErrors: this.#syncErrors,
    };
    for (const agent of this.#agents) agent.socket.disconnect();
    this.#agents = [];
    return times;
  }
}
