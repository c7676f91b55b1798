import { z } from 'zod';
import type { AckCallback } from './ack.js';
import {
  ApprovalCancel,
  ApprovalCancelled,
  ApprovalGet,
  ApprovalMoved,
  ApprovalRecord,
  ApprovalRequestInput,
  ApprovalResponse,
  ApprovalSync,
  ApprovalSyncPage,
  DeliveryReceipt,
  QueuePage,
  QueueSnapshot,
  QueueSubscribe,
  ReviewerDecision,
} from './approval.js';
import { ApprovalDetail } from './audit.js';
import { Grant } from './grants.js';
import type { Principal } from './rest.js';

export const Namespace = { agent: '/agent', reviewer: '/reviewer' } as const;
/** A namespace by its key in {@link Namespace} and {@link SocketEvents}: `agent` or `reviewer`. */
export type NamespaceName = keyof typeof Namespace;

/** One Socket.IO event of the contract. */
export interface SocketEventSpec {
  /** The name on the wire. */
  name: string;
  /**
   * `clientToServer`: a command a client asks, acknowledged by the hub. `serverToClient`: a fact the hub announces
   * (acknowledged by the client only where `ack` says so).
   */
  direction: 'clientToServer' | 'serverToClient';
  /** One line for the API docs. */
  summary: string;
  /** The payload, validated by the receiver. */
  payload: z.ZodType;
  /** The `data` of the ack the receiver answers (`{ ok: true, data } | { ok: false, error }`); absent: not acknowledged. */
  ack?: z.ZodType;
  /** The command may create or change a request: the hub charges it to the sender's write budget. */
  writes?: true;
}

/**
 * Every Socket.IO event, per namespace, keyed by the short name code uses (`AgentEvent.request`). The typed maps
 * (`AgentClientToServerEvents`, …), the hub's listeners, the AsyncAPI document and the tests that enumerate events
 * are all derived from this table: adding an event is one entry here.
 */
export const SocketEvents = {
  agent: {
    request: {
      name: 'approval.request',
      direction: 'clientToServer',
      summary: 'Ask for approval (idempotent by requestId)',
      payload: ApprovalRequestInput,
      ack: ApprovalRecord,
      writes: true,
    },
    sync: {
      name: 'approval.sync',
      direction: 'clientToServer',
      summary:
        'The current records of your requests (after a reconnect), cut at the page budget: with `paged: true` an ApprovalSyncPage whose `remaining` ids go in the next sync; without it (older clients) a bare record list',
      payload: ApprovalSync,
      ack: z.union([ApprovalSyncPage, z.array(ApprovalRecord)]),
    },
    cancel: {
      name: 'approval.cancel',
      direction: 'clientToServer',
      summary: 'Cancel your own pending request',
      payload: ApprovalCancel,
      ack: ApprovalRecord,
      writes: true,
    },
    response: {
      name: 'approval.response',
      direction: 'serverToClient',
      summary: 'A decision for one of your requests; sent again on every connection until acknowledged',
      payload: ApprovalResponse,
      ack: DeliveryReceipt,
    },
    /** Hub → agent: one of the agent's requests was cancelled (by any process on its token). */
    cancelled: {
      name: 'approval.cancelled',
      direction: 'serverToClient',
      summary: 'One of your requests was cancelled (by any of your processes); stop waiting for it. Not acknowledged, not sent again',
      payload: ApprovalCancelled,
    },
  },
  reviewer: {
    subscribe: {
      name: 'queue.subscribe',
      direction: 'clientToServer',
      summary: 'Join the live feed of queues; answers the first page of what is pending',
      payload: QueueSubscribe,
      ack: QueueSnapshot,
    },
    page: { name: 'queue.page', direction: 'clientToServer', summary: 'The next page of the pending snapshot', payload: QueuePage, ack: QueueSnapshot },
    respond: {
      name: 'approval.response',
      direction: 'clientToServer',
      summary: 'Approve or deny (optionally with edited arguments)',
      payload: ReviewerDecision,
      ack: ApprovalRecord,
      writes: true,
    },
    get: { name: 'approval.get', direction: 'clientToServer', summary: 'One request with its audit timeline', payload: ApprovalGet, ack: ApprovalDetail },
    request: { name: 'approval.request', direction: 'serverToClient', summary: 'A new pending request in your queues', payload: ApprovalRecord },
    resolved: { name: 'approval.resolved', direction: 'serverToClient', summary: 'A request in your queues left pending', payload: ApprovalRecord },
    /** Hub → reviewers: a pending request changed without leaving `pending` (a partial quorum approval). */
    updated: {
      name: 'approval.updated',
      direction: 'serverToClient',
      summary: 'A pending request in your queues changed (an approval toward its quorum)',
      payload: ApprovalRecord,
    },
    /** Hub → reviewers: an escalation moved a pending request to another queue. */
    moved: {
      name: 'approval.moved',
      direction: 'serverToClient',
      summary: 'An escalation moved a pending request; `record` when you may see it in its new queue, only the id when it left your queues',
      payload: ApprovalMoved,
    },
    /** Hub → reviewers of the grant's queue: a grant was made, used, or revoked. */
    grantCreated: { name: 'grant.created', direction: 'serverToClient', summary: 'A standing grant was made in one of your queues', payload: Grant },
    grantUsed: { name: 'grant.used', direction: 'serverToClient', summary: 'A grant in your queues decided a request (its use count went up)', payload: Grant },
    grantRevoked: { name: 'grant.revoked', direction: 'serverToClient', summary: 'A grant in your queues was revoked', payload: Grant },
  },
} as const satisfies { [N in NamespaceName]: Record<string, SocketEventSpec> };

type Table = typeof SocketEvents;
type Direction = SocketEventSpec['direction'];

/** Short name → wire name, for one namespace's events. */
type EventNames<N extends NamespaceName> = { readonly [K in keyof Table[N]]: Table[N][K] extends { name: infer E } ? E : never };

function eventNames<N extends NamespaceName>(namespace: N): EventNames<N> {
  return Object.fromEntries(Object.entries(SocketEvents[namespace]).map(([key, spec]) => [key, spec.name])) as EventNames<N>;
}

/** Event names on `/agent`. Commands read as verbs the client asks; facts are what the hub announces. */
export const AgentEvent = eventNames('agent');
/** Event names on `/reviewer`. */
export const ReviewerEvent = eventNames('reviewer');

/** The spec of the event called `E` travelling in direction `D` on namespace `N`. */
export type SocketEventSpecOf<N extends NamespaceName, D extends Direction, E extends string> = {
  [K in keyof Table[N]]: Table[N][K] extends { name: E; direction: D } ? Table[N][K] : never;
}[keyof Table[N]];

/** The wire names of the events travelling in direction `D` on namespace `N`. */
export type SocketEventName<N extends NamespaceName, D extends Direction> = {
  [K in keyof Table[N]]: Table[N][K] extends { name: infer E extends string; direction: D } ? E : never;
}[keyof Table[N]];

/** A Socket.IO listener signature for one spec: the payload, then the ack callback if the event is acknowledged. */
type ListenerOf<S> = S extends { payload: infer P extends z.ZodType; ack: infer A extends z.ZodType }
  ? (payload: z.output<P>, ack: AckCallback<z.output<A>>) => void
  : S extends { payload: infer P extends z.ZodType }
    ? (payload: z.output<P>) => void
    : never;

/** The typed Socket.IO event map of one namespace and direction, derived from {@link SocketEvents}. */
export type SocketEventMap<N extends NamespaceName, D extends Direction> = {
  [E in SocketEventName<N, D>]: ListenerOf<SocketEventSpecOf<N, D, E>>;
};

export type ClientToServerEvents<N extends NamespaceName> = SocketEventMap<N, 'clientToServer'>;
export type ServerToClientEvents<N extends NamespaceName> = SocketEventMap<N, 'serverToClient'>;

export type AgentClientToServerEvents = ClientToServerEvents<'agent'>;
export type AgentServerToClientEvents = ServerToClientEvents<'agent'>;
export type ReviewerClientToServerEvents = ClientToServerEvents<'reviewer'>;
export type ReviewerServerToClientEvents = ServerToClientEvents<'reviewer'>;

/** The parsed payload of the command `E` on namespace `N`. */
export type CommandPayload<N extends NamespaceName, E extends SocketEventName<N, 'clientToServer'>> =
  SocketEventSpecOf<N, 'clientToServer', E> extends { payload: infer P extends z.ZodType } ? z.output<P> : never;
/** The `data` of a successful ack to the command `E` on namespace `N`. */
export type CommandAckData<N extends NamespaceName, E extends SocketEventName<N, 'clientToServer'>> =
  SocketEventSpecOf<N, 'clientToServer', E> extends { ack: infer A extends z.ZodType } ? z.output<A> : never;

/** One row of {@link SocketEvents}, with the namespace it lives on and its short name. */
export type SocketEventEntry = SocketEventSpec & { namespace: NamespaceName; key: string };

/** Every event of the contract, namespace by namespace, in table order: for docs and tests that must see them all. */
export function socketEventList(): SocketEventEntry[] {
  return (Object.keys(SocketEvents) as NamespaceName[]).flatMap((namespace) =>
    Object.entries(SocketEvents[namespace]).map(([key, spec]): SocketEventEntry => ({ ...(spec as SocketEventSpec), namespace, key })),
  );
}

/** The spec of the event `name` travelling in `direction` on `namespace`, if the contract has one. */
export function socketEventSpec(namespace: NamespaceName, direction: Direction, name: string): SocketEventSpec | undefined {
  return Object.values<SocketEventSpec>(SocketEvents[namespace]).find((spec) => spec.name === name && spec.direction === direction);
}

/** What the hub keeps in `socket.data` after the handshake. */
export interface SocketData {
  principal: Principal;
}
