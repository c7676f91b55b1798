import {
  AgentEvent,
  ApprovalCancel,
  ApprovalCancelled,
  ApprovalDetail,
  ApprovalGet,
  ApprovalMoved,
  ApprovalRecord,
  ApprovalRequestInput,
  ApprovalResponse,
  ApprovalSync,
  ApprovalSyncPage,
  DeliveryReceipt,
  Grant,
  Namespace,
  QueuePage,
  QueueSnapshot,
  QueueSubscribe,
  ReviewerDecision,
  ReviewerEvent,
  ackSchema,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
} from '@approval-hub/protocol';
import { z } from 'zod';

export interface EventDoc {
  summary: string;
  payload: z.ZodType;
  /** The ack the receiver answers with (`{ ok, data } | { ok: false, error }`); absent for events without one. */
  ack?: z.ZodType;
}

/**
 * The runtime schemas of the typed Socket.IO maps. `satisfies Record<keyof …Events, EventDoc>` makes the compiler
 * hold this table to the protocol's event maps: an event added there and not here (or the reverse) does not build.
 */
export const SOCKET_EVENTS = {
  [Namespace.agent]: {
    clientToServer: {
      [AgentEvent.request]: { summary: 'Ask for approval (idempotent by requestId)', payload: ApprovalRequestInput, ack: ackSchema(ApprovalRecord) },
      [AgentEvent.sync]: {
        summary: 'The current records of your requests (after a reconnect), cut at the page budget: with `paged: true` an ApprovalSyncPage whose `remaining` ids go in the next sync; without it (older clients) a bare record list',
        payload: ApprovalSync,
        ack: ackSchema(z.union([ApprovalSyncPage, z.array(ApprovalRecord)])),
      },
      [AgentEvent.cancel]: { summary: 'Cancel your own pending request', payload: ApprovalCancel, ack: ackSchema(ApprovalRecord) },
    } satisfies Record<keyof AgentClientToServerEvents, EventDoc>,
    serverToClient: {
      [AgentEvent.response]: { summary: 'A decision for one of your requests; sent again on every connection until acknowledged', payload: ApprovalResponse, ack: ackSchema(DeliveryReceipt) },
      [AgentEvent.cancelled]: { summary: 'One of your requests was cancelled (by any of your processes); stop waiting for it. Not acknowledged, not sent again', payload: ApprovalCancelled },
    } satisfies Record<keyof AgentServerToClientEvents, EventDoc>,
  },
  [Namespace.reviewer]: {
    clientToServer: {
      [ReviewerEvent.subscribe]: { summary: 'Join the live feed of queues; answers the first page of what is pending', payload: QueueSubscribe, ack: ackSchema(QueueSnapshot) },
      [ReviewerEvent.page]: { summary: 'The next page of the pending snapshot', payload: QueuePage, ack: ackSchema(QueueSnapshot) },
      [ReviewerEvent.respond]: { summary: 'Approve or deny (optionally with edited arguments)', payload: ReviewerDecision, ack: ackSchema(ApprovalRecord) },
      [ReviewerEvent.get]: { summary: 'One request with its audit timeline', payload: ApprovalGet, ack: ackSchema(ApprovalDetail) },
    } satisfies Record<keyof ReviewerClientToServerEvents, EventDoc>,
    serverToClient: {
      [ReviewerEvent.request]: { summary: 'A new pending request in your queues', payload: ApprovalRecord },
      [ReviewerEvent.resolved]: { summary: 'A request in your queues left pending', payload: ApprovalRecord },
      [ReviewerEvent.updated]: { summary: 'A pending request in your queues changed (an approval toward its quorum)', payload: ApprovalRecord },
      [ReviewerEvent.moved]: { summary: 'An escalation moved a pending request; `record` when you may see it in its new queue, only the id when it left your queues', payload: ApprovalMoved },
      [ReviewerEvent.grantCreated]: { summary: 'A standing grant was made in one of your queues', payload: Grant },
      [ReviewerEvent.grantUsed]: { summary: 'A grant in your queues decided a request (its use count went up)', payload: Grant },
      [ReviewerEvent.grantRevoked]: { summary: 'A grant in your queues was revoked', payload: Grant },
    } satisfies Record<keyof ReviewerServerToClientEvents, EventDoc>,
  },
} as const;
