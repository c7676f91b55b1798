import type { AckCallback } from './ack.js';
import type {
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
import type { ApprovalDetail } from './audit.js';
import type { Grant } from './grants.js';
import type { Principal } from './rest.js';

export const Namespace = { agent: '/agent', reviewer: '/reviewer' } as const;

/** Event names on `/agent`. Commands read as verbs the client asks; facts are what the hub announces. */
export const AgentEvent = {
  request: 'approval.request',
  response: 'approval.response',
  sync: 'approval.sync',
  cancel: 'approval.cancel',
  /** Hub → agent: one of the agent's requests was cancelled (by any process on its token). */
  cancelled: 'approval.cancelled',
} as const;

/** Event names on `/reviewer`. */
export const ReviewerEvent = {
  subscribe: 'queue.subscribe',
  page: 'queue.page',
  request: 'approval.request',
  resolved: 'approval.resolved',
  respond: 'approval.response',
  get: 'approval.get',
  /** Hub → reviewers: a pending request changed without leaving `pending` (a partial quorum approval). */
  updated: 'approval.updated',
  /** Hub → reviewers: an escalation moved a pending request to another queue. */
  moved: 'approval.moved',
  /** Hub → reviewers of the grant's queue: a grant was made, used, or revoked. */
  grantCreated: 'grant.created',
  grantUsed: 'grant.used',
  grantRevoked: 'grant.revoked',
} as const;

export interface AgentClientToServerEvents {
  'approval.request': (payload: ApprovalRequestInput, ack: AckCallback<ApprovalRecord>) => void;
  /** Acked with an `ApprovalSyncPage` when the payload says `paged: true`, else (older clients) a record list. */
  'approval.sync': (payload: ApprovalSync, ack: AckCallback<ApprovalSyncPage | ApprovalRecord[]>) => void;
  'approval.cancel': (payload: ApprovalCancel, ack: AckCallback<ApprovalRecord>) => void;
}

export interface AgentServerToClientEvents {
  'approval.response': (payload: ApprovalResponse, ack: AckCallback<DeliveryReceipt>) => void;
  'approval.cancelled': (payload: ApprovalCancelled) => void;
}

export interface ReviewerClientToServerEvents {
  'queue.subscribe': (payload: QueueSubscribe, ack: AckCallback<QueueSnapshot>) => void;
  'queue.page': (payload: QueuePage, ack: AckCallback<QueueSnapshot>) => void;
  'approval.response': (payload: ReviewerDecision, ack: AckCallback<ApprovalRecord>) => void;
  'approval.get': (payload: ApprovalGet, ack: AckCallback<ApprovalDetail>) => void;
}

export interface ReviewerServerToClientEvents {
  'approval.request': (record: ApprovalRecord) => void;
  'approval.resolved': (record: ApprovalRecord) => void;
  'approval.updated': (record: ApprovalRecord) => void;
  'approval.moved': (notice: ApprovalMoved) => void;
  'grant.created': (grant: Grant) => void;
  'grant.used': (grant: Grant) => void;
  'grant.revoked': (grant: Grant) => void;
}

/** What the hub keeps in `socket.data` after the handshake. */
export interface SocketData {
  principal: Principal;
}
