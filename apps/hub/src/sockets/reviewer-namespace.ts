import {
  AgentEvent,
  ApprovalGet,
  QueueSubscribe,
  ReviewerDecision,
  ReviewerEvent,
  fail,
  ok,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
  type SocketData,
} from '@approval-hub/protocol';
import type { Namespace } from 'socket.io';
import { toIso } from '../clock.js';
import type { HubContext } from '../hub-context.js';
import { queueScope, reviewerRoles } from '../principals.js';
import { handshakeAuth } from './handshake-auth.js';
import { listen, listenerContext, refuseUnknownEvents } from './socket-listener.js';

export type ReviewerNamespace = Namespace<ReviewerClientToServerEvents, ReviewerServerToClientEvents, Record<string, never>, SocketData>;

const ALL_QUEUES_ROOM = 'queues:*';
const queueRoom = (queue: string) => `queue:${queue}`;

export function attachReviewerNamespace(nsp: ReviewerNamespace, hub: HubContext): void {
  const { engine, log } = hub;
  nsp.use(handshakeAuth(() => hub.principals, reviewerRoles, log));

  engine.on('requested', (record) => nsp.to([ALL_QUEUES_ROOM, queueRoom(record.queue)]).emit(ReviewerEvent.request, record));
  engine.on('resolved', (record) => nsp.to([ALL_QUEUES_ROOM, queueRoom(record.queue)]).emit(ReviewerEvent.resolved, record));

  nsp.on('connection', (socket) => {
    const principal = socket.data.principal;
    const ctx = listenerContext(socket, hub);
    log.info({ event: 'reviewer.connected', principal: principal.id, socket: socket.id }, 'reviewer connected');
    let rooms: string[] = [];

    listen(ctx, ReviewerEvent.subscribe, QueueSubscribe, ({ queues }) => {
      const scope = queueScope(principal);
      if (queues !== undefined && scope !== null) {
        const outside = queues.filter((q) => !scope.includes(q));
        if (outside.length > 0) return fail('forbidden', `You may not see queue(s): ${outside.join(', ')}`, { queues: outside });
      }
      const selected = queues === undefined ? scope : [...new Set(queues)];
      // Join before reading the snapshot: the read is synchronous, so no request can fall between the two.
      for (const room of rooms) void socket.leave(room);
      rooms = selected === null ? [ALL_QUEUES_ROOM] : selected.map(queueRoom);
      void socket.join(rooms);
      return ok({ pending: engine.pending(selected), serverTime: toIso(hub.clock.now()), queues: selected });
    });
    listen(ctx, ReviewerEvent.respond, ReviewerDecision, (decision) => engine.decide(principal, decision));
    listen(ctx, ReviewerEvent.get, ApprovalGet, ({ requestId }) => engine.detail(principal, requestId));
    refuseUnknownEvents(ctx, [ReviewerEvent.subscribe, ReviewerEvent.respond, ReviewerEvent.get], [AgentEvent.request, AgentEvent.sync, AgentEvent.cancel]);
  });
}
