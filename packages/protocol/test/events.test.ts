import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AgentEvent,
  Namespace,
  ReviewerEvent,
  SocketEvents,
  socketEventList,
  socketEventSpec,
  type AckCallback,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type ApprovalCancel,
  type ApprovalCancelled,
  type ApprovalDetail,
  type ApprovalGet,
  type ApprovalMoved,
  type ApprovalRecord,
  type ApprovalRequestInput,
  type ApprovalResponse,
  type ApprovalSync,
  type ApprovalSyncPage,
  type CommandAckData,
  type CommandPayload,
  type DeliveryReceipt,
  type Grant,
  type QueuePage,
  type QueueSnapshot,
  type QueueSubscribe,
  type ReviewerClientToServerEvents,
  type ReviewerDecision,
  type ReviewerServerToClientEvents,
  type SocketEventName,
} from '../src/index.js';

describe('the event table', () => {
  it('names each event once per namespace and direction, and only on namespaces that exist', () => {
    const keys = socketEventList().map((e) => `${e.namespace} ${e.direction} ${e.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(Object.keys(SocketEvents).sort()).toEqual(Object.keys(Namespace).sort());
  });

  it('derives the name constants from the table', () => {
    expect(AgentEvent).toEqual({
      request: 'approval.request',
      sync: 'approval.sync',
      cancel: 'approval.cancel',
      response: 'approval.response',
      cancelled: 'approval.cancelled',
    });
    expect(ReviewerEvent.respond).toBe('approval.response');
    expect(ReviewerEvent.grantRevoked).toBe('grant.revoked');
    expectTypeOf(AgentEvent.request).toEqualTypeOf<'approval.request'>();
    expectTypeOf(ReviewerEvent.moved).toEqualTypeOf<'approval.moved'>();
  });

  it('acknowledges every command; looks a spec up by namespace, direction and name', () => {
    for (const e of socketEventList().filter((e) => e.direction === 'clientToServer')) expect(e.ack, `${e.namespace} ${e.name}`).toBeDefined();
    expect(socketEventSpec('agent', 'clientToServer', 'approval.request')?.payload).toBe(SocketEvents.agent.request.payload);
    // The same name is a command on one namespace and a fact on the other.
    expect(socketEventSpec('reviewer', 'clientToServer', 'approval.request')).toBeUndefined();
    expect(socketEventSpec('reviewer', 'serverToClient', 'approval.request')?.ack).toBeUndefined();
  });
});

/** The maps as they were written by hand before the table: the derived ones must stay exactly these. */
interface HandWrittenAgentClientToServer {
  'approval.request': (payload: ApprovalRequestInput, ack: AckCallback<ApprovalRecord>) => void;
  'approval.sync': (payload: ApprovalSync, ack: AckCallback<ApprovalSyncPage | ApprovalRecord[]>) => void;
  'approval.cancel': (payload: ApprovalCancel, ack: AckCallback<ApprovalRecord>) => void;
}
interface HandWrittenAgentServerToClient {
  'approval.response': (payload: ApprovalResponse, ack: AckCallback<DeliveryReceipt>) => void;
  'approval.cancelled': (payload: ApprovalCancelled) => void;
}
interface HandWrittenReviewerClientToServer {
  'queue.subscribe': (payload: QueueSubscribe, ack: AckCallback<QueueSnapshot>) => void;
  'queue.page': (payload: QueuePage, ack: AckCallback<QueueSnapshot>) => void;
  'approval.response': (payload: ReviewerDecision, ack: AckCallback<ApprovalRecord>) => void;
  'approval.get': (payload: ApprovalGet, ack: AckCallback<ApprovalDetail>) => void;
}
interface HandWrittenReviewerServerToClient {
  'approval.request': (record: ApprovalRecord) => void;
  'approval.resolved': (record: ApprovalRecord) => void;
  'approval.updated': (record: ApprovalRecord) => void;
  'approval.moved': (notice: ApprovalMoved) => void;
  'grant.created': (grant: Grant) => void;
  'grant.used': (grant: Grant) => void;
  'grant.revoked': (grant: Grant) => void;
}

describe('the typed Socket.IO maps derived from the table', () => {
  it('are the maps the clients were written against', () => {
    expectTypeOf<AgentClientToServerEvents>().toEqualTypeOf<HandWrittenAgentClientToServer>();
    expectTypeOf<AgentServerToClientEvents>().toEqualTypeOf<HandWrittenAgentServerToClient>();
    expectTypeOf<ReviewerClientToServerEvents>().toEqualTypeOf<HandWrittenReviewerClientToServer>();
    expectTypeOf<ReviewerServerToClientEvents>().toEqualTypeOf<HandWrittenReviewerServerToClient>();
  });

  it('tie a command name to its parsed payload and ack data, per namespace', () => {
    expectTypeOf<SocketEventName<'agent', 'clientToServer'>>().toEqualTypeOf<'approval.request' | 'approval.sync' | 'approval.cancel'>();
    expectTypeOf<SocketEventName<'reviewer', 'serverToClient'>>().toEqualTypeOf<
      'approval.request' | 'approval.resolved' | 'approval.updated' | 'approval.moved' | 'grant.created' | 'grant.used' | 'grant.revoked'
    >();
    expectTypeOf<CommandPayload<'agent', 'approval.request'>>().toEqualTypeOf<ApprovalRequestInput>();
    expectTypeOf<CommandAckData<'agent', 'approval.request'>>().toEqualTypeOf<ApprovalRecord>();
    // One wire name, two meanings: a reviewer's decision on /reviewer, a delivered decision on /agent.
    expectTypeOf<CommandPayload<'reviewer', 'approval.response'>>().toEqualTypeOf<ReviewerDecision>();
    expectTypeOf<CommandAckData<'reviewer', 'approval.get'>>().toEqualTypeOf<ApprovalDetail>();
    expectTypeOf<CommandAckData<'agent', 'approval.sync'>>().toEqualTypeOf<ApprovalSyncPage | ApprovalRecord[]>();
    // A fact is not a command: it has no place in a listener's types.
    expectTypeOf<'approval.resolved'>().not.toExtend<SocketEventName<'reviewer', 'clientToServer'>>();
  });
});
