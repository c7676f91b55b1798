import {
  ReviewerEvent,
  fail,
  ok,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
  type SocketData,
} from '@approval-hub/protocol';
import type { Namespace } from 'socket.io';
import { toIso } from '../runtime/clock.js';
import { reviewerQueues, reviewerRoles } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { handshakeAuth } from './handshake-auth.js';
import { listen, listenerContext, refuseUnknownEvents } from './socket-listener.js';

export type ReviewerNamespace = Namespace<ReviewerClientToServerEvents, ReviewerServerToClientEvents, Record<string, never>, SocketData>;

const ALL_QUEUES_ROOM = 'queues:*';
const queueRoom = (queue: string) => `queue:${queue}`;

export function attachReviewerNamespace(nsp: ReviewerNamespace, hub: HubContext): void {
  const { engine, log } = hub;
  nsp.use(handshakeAuth(() => hub.principals, reviewerRoles, log));

  // New and resolved requests, the bulk of the traffic, reach every node through the store's change notice (the
  // engine emits those of other nodes as well): each node shows them to its own reviewers, and nothing goes through
  // the Socket.IO adapter. The rarer events below are broadcast once, through the adapter, to every node.
  // Another node's request or resolution is read only where a reviewer watches its queue.
  engine.attend((change) => nsp.adapter.rooms.has(ALL_QUEUES_ROOM) || nsp.adapter.rooms.has(queueRoom(change.queue)));
  engine.on('requested', (record) => nsp.local.to([ALL_QUEUES_ROOM, queueRoom(record.queue)]).emit(ReviewerEvent.request, record));
  engine.on('resolved', (record) => nsp.local.to([ALL_QUEUES_ROOM, queueRoom(record.queue)]).emit(ReviewerEvent.resolved, record));
  engine.on('updated', (record) => nsp.to([ALL_QUEUES_ROOM, queueRoom(record.queue)]).emit(ReviewerEvent.updated, record));
  engine.on('moved', (record, fromQueue) => {
    const from = queueRoom(fromQueue);
    const to = queueRoom(record.queue);
    nsp.to([ALL_QUEUES_ROOM, to]).emit(ReviewerEvent.moved, { requestId: record.requestId, fromQueue, toQueue: record.queue, record });
    // Reviewers of the old queue only: it left their view, and where it went is none of their business.
    nsp.to(from).except([ALL_QUEUES_ROOM, to]).emit(ReviewerEvent.moved, { requestId: record.requestId, fromQueue });
    // Reviewers of the new queue see it arrive the way every new request arrives.
    nsp.to(to).except([ALL_QUEUES_ROOM, from]).emit(ReviewerEvent.request, record);
  });
  engine.on('grantCreated', (grant) => nsp.to([ALL_QUEUES_ROOM, queueRoom(grant.queue)]).emit(ReviewerEvent.grantCreated, grant));
  engine.on('grantUsed', (grant) => nsp.to([ALL_QUEUES_ROOM, queueRoom(grant.queue)]).emit(ReviewerEvent.grantUsed, grant));
  engine.on('grantRevoked', (grant) => nsp.to([ALL_QUEUES_ROOM, queueRoom(grant.queue)]).emit(ReviewerEvent.grantRevoked, grant));

  nsp.on('connection', (socket) => {
    const principal = socket.data.principal;
    const ctx = listenerContext('reviewer', socket, hub);
    log.info({ event: 'reviewer.connected', principal: principal.id, socket: socket.id }, 'reviewer connected');
    let rooms: string[] = [];
    /** The queues of the current subscription (`null` = all); pages of its snapshot are read from these. */
    let subscribed: string[] | null | undefined;

    listen(ctx, ReviewerEvent.subscribe, async ({ queues, limit }) => {
      const scope = reviewerQueues(principal);
      if (queues !== undefined && scope !== null) {
        const outside = queues.filter((q) => !scope.includes(q));
        if (outside.length > 0) return fail('forbidden', `You may not see queue(s): ${outside.join(', ')}`, { queues: outside });
      }
      // A copy of the token's scope: the ack's `queues` is the snapshot's own list, not the principal's.
      const selected = queues === undefined ? scope && [...scope] : [...new Set(queues)];
      // Join before reading the snapshot, so nothing committed meanwhile is missed (it may arrive twice: clients
      // key by requestId).
      for (const room of rooms) await socket.leave(room);
      rooms = selected === null ? [ALL_QUEUES_ROOM] : selected.map(queueRoom);
      await socket.join(rooms);
      subscribed = selected;
      const page = await engine.pendingPage(selected, { limit });
      return ok({ pending: page.pending, serverTime: toIso(hub.clock.now()), queues: selected, nextCursor: page.nextCursor });
    });
    listen(ctx, ReviewerEvent.page, async ({ cursor, limit }) => {
      if (subscribed === undefined) return fail('invalid_payload', 'Subscribe with queue.subscribe before asking for pages');
      const page = await engine.pendingPage(subscribed, { cursor, limit });
      return ok({ pending: page.pending, serverTime: toIso(hub.clock.now()), queues: subscribed, nextCursor: page.nextCursor });
    });
    listen(ctx, ReviewerEvent.respond, (decision) => engine.decide(principal, decision, { channel: 'socket' }));
    listen(ctx, ReviewerEvent.get, ({ requestId }) => engine.detail(principal, requestId));
    refuseUnknownEvents(ctx);
  });
}
