import {
  AgentEvent,
  SocketEvents,
  ackSchema,
  ok,
  responseOf,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ApprovalRecord,
  type SocketData,
} from '@approval-hub/protocol';
import type { Namespace, Socket } from 'socket.io';
import { agentRoles } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { handshakeAuth } from './handshake-auth.js';
import { listen, listenerContext, refuseUnknownEvents } from './socket-listener.js';

export type AgentNamespace = Namespace<AgentClientToServerEvents, AgentServerToClientEvents, Record<string, never>, SocketData>;
type AgentSocket = Socket<AgentClientToServerEvents, AgentServerToClientEvents, Record<string, never>, SocketData>;

/** How long one delivery waits for the agent's receipt; unacknowledged decisions are re-sent on the next connection. */
const DELIVERY_ACK_TIMEOUT_MS = 10_000;
const DeliveryAck = ackSchema(SocketEvents.agent.response.ack);

const agentRoom = (principalId: string) => `agent:${principalId}`;

export function attachAgentNamespace(nsp: AgentNamespace, hub: HubContext): void {
  const { engine, log } = hub;
  nsp.use(handshakeAuth(() => hub.principals, agentRoles, log));

  /**
   * Decisions sent to each socket and not yet acknowledged (nor timed out): a catch-up (the cluster's 15 s resync)
   * does not send them again while their receipt may still come.
   */
  const awaitingReceipt = new Map<string, Set<string>>();

  /** Sends one decision; resolves once the agent acknowledged it (and it is recorded) or the wait timed out. */
  const deliver = (socket: AgentSocket, record: ApprovalRecord): Promise<void> =>
    new Promise<void>((resolve) => {
      const response = responseOf(record);
      if (!response) return resolve();
      const awaiting = awaitingReceipt.get(socket.id) ?? new Set<string>();
      awaitingReceipt.set(socket.id, awaiting.add(record.requestId));
      socket.timeout(DELIVERY_ACK_TIMEOUT_MS).emit(AgentEvent.response, response, (error: Error | null, receipt: unknown) => {
        const parsed = DeliveryAck.safeParse(receipt);
        if (error || !parsed.success || !parsed.data.ok) return resolve();
        engine
          .markDelivered(record.requestId, socket.data.principal)
          .catch((err: unknown) => log.error({ err }, 'could not record a delivery'))
          .finally(resolve);
      });
    }).finally(() => {
      const awaiting = awaitingReceipt.get(socket.id);
      if (awaiting?.delete(record.requestId) && awaiting.size === 0) awaitingReceipt.delete(socket.id);
    });

  /**
   * What was decided while the agent was away, a batch at a time: the next batch goes once the agent has answered
   * the last, so a backlog of large decisions cannot flood one connection (or the hub's memory).
   */
  const redeliver = async (socket: AgentSocket) => {
    // Decisions sent live while this catch-up runs. A store read can see writes that committed after it was asked
    // for (a pooled server database runs it when a connection is free), so a page may hold a decision this socket
    // has just been sent: it is not sent twice.
    const sentLive = new Set<string>();
    catchingUp.set(socket.id, sentLive);
    try {
      let after: number | undefined;
      while (socket.connected) {
        const page = await engine.undelivered(socket.data.principal, hub.config.limits.redeliveryBatch, after);
        if (page.items.length === 0) return;
        const awaiting = awaitingReceipt.get(socket.id);
        await Promise.all(page.items.filter((record) => !sentLive.has(record.requestId) && !awaiting?.has(record.requestId)).map((record) => deliver(socket, record)));
        if (page.next === null) return;
        after = page.next;
      }
    } finally {
      catchingUp.delete(socket.id);
    }
  };
  /**
   * Syncs of one token run one after another (issue #24): each reads up to a page budget of records, so thirty
   * sockets of one token syncing at once would otherwise hold thirty budgets and starve everyone else's calls.
   */
  const syncChains = new Map<string, Promise<unknown>>();
  const oneSyncAtATime = <T>(principalId: string, run: () => Promise<T>): Promise<T> => {
    const previous = syncChains.get(principalId) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    syncChains.set(principalId, settled);
    // biome-ignore lint/complexity/noVoid: `settled` has its rejection caught above; this only forgets the chain.
    void settled.then(() => {
      if (syncChains.get(principalId) === settled) syncChains.delete(principalId);
    });
    return next;
  };
  /** Sockets whose catch-up is running, with the decisions sent to them live meanwhile. */
  const catchingUp = new Map<string, Set<string>>();

  // Another node's decision is read only where a socket of its agent is connected.
  engine.attend((change) => change.kind === 'resolved' && nsp.adapter.rooms.has(agentRoom(change.principalId)));
  engine.on('resolved', (record, principalId) => {
    const ids = nsp.adapter.rooms.get(agentRoom(principalId));
    if (!ids) return;
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      // Not sent again while its receipt may still come (a catch-up may have sent it first).
      if (!socket || awaitingReceipt.get(id)?.has(record.requestId)) continue;
      catchingUp.get(id)?.add(record.requestId);
      // biome-ignore lint/complexity/noVoid: deliver never rejects (it logs a failed markDelivered and resolves).
      void deliver(socket, record);
    }
  });

  // Another node's decisions whose notice may have been missed: whatever is still undelivered goes out again. One
  // read finds which of this node's agents have any; only their sockets read their own (not one read per socket).
  engine.on('resync', () => {
    const sockets = [...nsp.sockets.values()];
    engine
      .awaitingDelivery([...new Set(sockets.map((socket) => socket.data.principal.id))])
      .then((principalIds) => {
        const waiting = new Set(principalIds);
        for (const socket of sockets) {
          if (!socket.connected || !waiting.has(socket.data.principal.id)) continue;
          redeliver(socket).catch((error: unknown) => log.error({ err: error, principal: socket.data.principal.id }, 'could not read undelivered decisions; they stay queued'));
        }
      })
      .catch((error: unknown) => log.error({ err: error }, 'could not read which agents have undelivered decisions; they stay queued'));
  });

  // Every socket of the agent hears of a cancel at once, so a call waiting on it in another process settles too.
  engine.on('cancelled', (notice, principalId) => {
    nsp.to(agentRoom(principalId)).emit(AgentEvent.cancelled, notice);
  });

  nsp.on('connection', (socket) => {
    const principal = socket.data.principal;
    const ctx = listenerContext('agent', socket, hub);
    log.info({ event: 'agent.connected', principal: principal.id, socket: socket.id }, 'agent connected');
    socket.on('disconnect', (reason) => {
      awaitingReceipt.delete(socket.id);
      log.info({ event: 'agent.disconnected', principal: principal.id, socket: socket.id, reason }, 'agent disconnected');
    });
    // biome-ignore lint/complexity/noVoid: Socket.IO's in-memory adapter, and the cluster adapters built on it, join synchronously; no promise is made.
    void socket.join(agentRoom(principal.id));

    listen(ctx, AgentEvent.request, async (input) => (await engine.request(principal, input)).ack);
    listen(ctx, AgentEvent.sync, async ({ requestIds, paged }) => {
      const page = await oneSyncAtATime(principal.id, () => engine.sync(principal, requestIds));
      return ok(paged ? page : page.records);
    });
    listen(ctx, AgentEvent.cancel, ({ requestId, reason }) => engine.cancel(principal, requestId, reason));
    refuseUnknownEvents(ctx);

    redeliver(socket).catch((error: unknown) => log.error({ err: error, principal: principal.id }, 'could not read undelivered decisions; they stay queued'));
  });
}
