import {
  ApprovalDetail,
  ApprovalPage,
  AsyncApiDocument,
  AuditPage,
  CancelBody,
  GrantPage,
  MetricsQuery,
  OpenApiDocument,
  ProcessMetricsResponse,
  ApprovalListQuery,
  ApprovalRecord,
  ApprovalRequestInput,
  AuditHead,
  AuditListQuery,
  AuditVerifyQuery,
  AuditVerifyResult,
  DecisionBody,
  DecisionLinkBody,
  DecisionLinkToken,
  DecisionLinkView,
  Grant,
  GrantListQuery,
  HealthResponse,
  Identifier,
  IssuedDecisionLink,
  Principal,
  WaitQuery,
  DeliveryIdParam,
  NotificationDelivery,
  NotificationDeliveryPage,
  NotificationDeliveryQuery,
  type ErrorCode,
  type Role,
} from '@approval-hub/protocol';
import { z } from 'zod';
import { CLIENT_DOWNLOADS } from '../client-downloads.js';

/**
 * Every route the hub serves over HTTP, described once: the OpenAPI document is generated from this list, and a
 * test holds it equal to the router's real routes (`app.routes`), so neither can drift from the other.
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'delete';
  /** In the router's own form (`/api/approvals/:id`). */
  path: string;
  summary: string;
  description?: string;
  /** `public`: no token. `bearer`: any valid token, narrowed by `roles` when given. */
  auth: 'public' | 'bearer';
  roles?: readonly Role[];
  pathParams?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; required: boolean };
  /** Successful answers; `text` for a non-JSON body (its media type). */
  responses: { status: number; description: string; schema?: z.ZodType; text?: string; html?: boolean }[];
  /** The closed error codes this route itself can answer (the ones every route shares are added by the document). */
  errors: readonly ErrorCode[];
}

const IdParam = z.object({ id: Identifier });
const LinkParam = z.object({ token: DecisionLinkToken });
const linkErrors: readonly ErrorCode[] = ['unauthorized', 'not_found', 'expired', 'rate_limited'];


const reviewers = ['reviewer', 'admin'] as const;

export const REST_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/health',
    summary: 'Health: the database answers and takes writes',
    auth: 'public',
    responses: [
      { status: 200, description: 'ok', schema: HealthResponse },
      { status: 503, description: 'degraded, with the reason (writes failing, database replaced)', schema: HealthResponse },
    ],
    errors: [],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    auth: 'public',
    responses: [{ status: 200, description: 'The OpenAPI document', schema: OpenApiDocument }],
    errors: [],
  },
  {
    method: 'get',
    path: '/api/asyncapi.json',
    summary: 'The Socket.IO events (AsyncAPI 3.0)',
    auth: 'public',
    responses: [{ status: 200, description: 'The AsyncAPI document', schema: AsyncApiDocument }],
    errors: [],
  },
  {
    method: 'get',
    path: '/api/docs',
    summary: 'Readable API documentation (HTML, no scripts)',
    auth: 'public',
    responses: [{ status: 200, description: 'HTML page', text: 'text/html', html: true }],
    errors: [],
  },
  {
    method: 'get',
    path: '/api/me',
    summary: 'Who the bearer token is',
    auth: 'bearer',
    responses: [{ status: 200, description: 'The principal', schema: Principal }],
    errors: [],
  },
  {
    method: 'get',
    path: '/api/approvals',
    summary: 'List requests (newest first)',
    description: 'Reviewers see their queues, agents their own requests, admins everything. Pass `nextCursor` back as `cursor`.',
    auth: 'bearer',
    query: ApprovalListQuery,
    responses: [{ status: 200, description: 'One page', schema: ApprovalPage }],
    errors: ['invalid_payload'],
  },
  {
    method: 'post',
    path: '/api/approvals',
    summary: 'Ask for approval of a tool call',
    description: '`requestId` is the idempotency key: the same request again answers 200 with the stored record.',
    auth: 'bearer',
    roles: ['agent'],
    body: { schema: ApprovalRequestInput, required: true },
    responses: [
      { status: 201, description: 'Created (pending, or already decided by a policy)', schema: ApprovalRecord },
      { status: 200, description: 'The same request was already made: the stored record', schema: ApprovalRecord },
    ],
    errors: ['forbidden', 'invalid_payload', 'conflict', 'quota_exceeded', 'payload_too_large'],
  },
  {
    method: 'get',
    path: '/api/approvals/:id',
    summary: 'One request with its audit timeline',
    auth: 'bearer',
    pathParams: IdParam,
    responses: [{ status: 200, description: 'The request', schema: ApprovalDetail }],
    errors: ['invalid_payload', 'not_found'],
  },
  {
    method: 'get',
    path: '/api/approvals/:id/wait',
    summary: 'Long-poll until the request is decided (or `timeoutMs`)',
    description: 'An agent that reads a decision here has it marked delivered.',
    auth: 'bearer',
    pathParams: IdParam,
    query: WaitQuery,
    responses: [{ status: 200, description: 'The record, decided or still pending at the timeout', schema: ApprovalRecord }],
    errors: ['invalid_payload', 'not_found'],
  },
  {
    method: 'post',
    path: '/api/approvals/:id/decision',
    summary: 'Approve or deny (optionally with edited arguments)',
    auth: 'bearer',
    roles: reviewers,
    pathParams: IdParam,
    body: { schema: DecisionBody, required: true },
    responses: [{ status: 200, description: 'The decided record', schema: ApprovalRecord }],
    errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided', 'already_approved_by_you', 'conflict', 'expired', 'payload_too_large'],
  },
  {
    method: 'post',
    path: '/api/approvals/:id/decision-link',
    summary: 'Issue a signed, single-use decision link to the caller for one pending request',
    description:
      'The same link notifications send, signed for the calling reviewer and bound to the arguments as they stand. The MCP proxy uses it for URL-mode elicitation. The URL is a credential: never log it.',
    auth: 'bearer',
    roles: reviewers,
    pathParams: IdParam,
    responses: [{ status: 200, description: 'The link and when it expires', schema: IssuedDecisionLink }],
    errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided'],
  },
  {
    method: 'get',
    path: '/api/decision-links/:token',
    summary: 'A signed decision link: the request as its reviewer may see it, and whether the link still decides',
    description: 'No bearer token: the link is the credential. 401 for a forged, revoked or key-rotated link; 410 once it expired.',
    auth: 'public',
    pathParams: LinkParam,
    responses: [{ status: 200, description: 'The request and the link state', schema: DecisionLinkView }],
    errors: linkErrors,
  },
  {
    method: 'post',
    path: '/api/decision-links/:token',
    summary: 'Approve or deny through a signed decision link (once)',
    description: 'A second use, or a request decided elsewhere, is 409 `already_decided` with the record; arguments changed since the link was issued are 409 `conflict`.',
    auth: 'public',
    pathParams: LinkParam,
    body: { schema: DecisionLinkBody, required: true },
    responses: [{ status: 200, description: 'The decided record', schema: ApprovalRecord }],
    errors: [...linkErrors, 'invalid_payload', 'already_decided', 'conflict', 'payload_too_large'],
  },
  {
    method: 'post',
    path: '/api/approvals/:id/cancel',
    summary: 'Cancel your own pending request',
    auth: 'bearer',
    roles: ['agent'],
    pathParams: IdParam,
    body: { schema: CancelBody, required: false },
    responses: [{ status: 200, description: 'The cancelled record', schema: ApprovalRecord }],
    errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided', 'payload_too_large'],
  },
  {
    method: 'get',
    path: '/api/grants',
    summary: 'Standing grants (newest first)',
    description: 'Reviewers see the grants of their queues; admins all. A grant covers requests of its own queue only.',
    auth: 'bearer',
    roles: reviewers,
    query: GrantListQuery,
    responses: [{ status: 200, description: 'One page', schema: GrantPage }],
    errors: ['forbidden', 'invalid_payload'],
  },
  {
    method: 'get',
    path: '/api/grants/:id',
    summary: 'One grant',
    auth: 'bearer',
    roles: reviewers,
    pathParams: IdParam,
    responses: [{ status: 200, description: 'The grant', schema: Grant }],
    errors: ['forbidden', 'invalid_payload', 'not_found'],
  },
  {
    method: 'delete',
    path: '/api/grants/:id',
    summary: 'Revoke a grant',
    description: 'Effective at once on every hub node; audited as `grant_revoked`. Revoking a revoked grant answers it unchanged. A grant outside your queues is `not_found`.',
    auth: 'bearer',
    roles: reviewers,
    pathParams: IdParam,
    responses: [{ status: 200, description: 'The grant, revoked', schema: Grant }],
    errors: ['forbidden', 'invalid_payload', 'not_found'],
  },
  {
    method: 'get',
    path: '/api/audit',
    summary: 'The audit log (newest first)',
    description: 'Reviewers see their queues; admins also hub-level rows and the chain fields.',
    auth: 'bearer',
    roles: reviewers,
    query: AuditListQuery,
    responses: [{ status: 200, description: 'One page', schema: AuditPage }],
    errors: ['forbidden', 'invalid_payload'],
  },
  {
    method: 'get',
    path: '/api/audit/verify',
    summary: 'Verify the audit chain and every stored request against it',
    auth: 'bearer',
    roles: ['admin'],
    query: AuditVerifyQuery,
    responses: [{ status: 200, description: 'The verdict (`ok: false` names the first bad row or state)', schema: AuditVerifyResult }],
    errors: ['forbidden', 'invalid_payload'],
  },
  {
    method: 'get',
    path: '/api/audit/head',
    summary: 'The chain head, to keep elsewhere and check later (`verify?head=SEQ:HASH`)',
    auth: 'bearer',
    roles: ['admin'],
    responses: [{ status: 200, description: 'The head', schema: AuditHead }],
    errors: ['forbidden'],
  },
  {
    method: 'get',
    path: '/api/metrics',
    summary: 'Process figures as JSON (benchmarks)',
    auth: 'bearer',
    roles: ['admin'],
    query: MetricsQuery,
    responses: [{ status: 200, description: 'Figures', schema: ProcessMetricsResponse }],
    errors: ['forbidden'],
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Also served without a token on `metrics.port` (127.0.0.1 by default) when that is set.',
    auth: 'bearer',
    roles: ['admin'],
    responses: [{ status: 200, description: 'Prometheus text format 0.0.4', text: 'text/plain; version=0.0.4' }],
    errors: ['forbidden'],
  },
  {
    method: 'get',
    path: '/downloads/:file',
    summary: 'The client packages, as npm tarballs',
    description:
      'The agent SDK and the MCP proxy, packed when the hub was built, each installable alone: `npm install http://hub:4000/downloads/agent-sdk.tgz zod@^4`, or `npx -y http://hub:4000/downloads/mcp-proxy.tgz --hub http://hub:4000 -- <server command>`.',
    auth: 'public',
    pathParams: z.object({ file: z.enum(CLIENT_DOWNLOADS) }),
    responses: [{ status: 200, description: 'The tarball', text: 'application/gzip' }],
    errors: ['not_found'],
  },
  {
    method: 'get',
    path: '/api/notifications/deliveries',
    summary: 'The notification delivery log (newest first)',
    description: 'Webhook, Slack and email deliveries from the durable outbox, with their status, attempts and last error. Filter by `status` and `channel`; pass `nextCursor` back as `cursor`.',
    auth: 'bearer',
    roles: ['admin'],
    query: NotificationDeliveryQuery,
    responses: [{ status: 200, description: 'One page', schema: NotificationDeliveryPage }],
    errors: ['forbidden', 'invalid_payload'],
  },
  {
    method: 'post',
    path: '/api/notifications/deliveries/:id/redeliver',
    summary: 'Send one delivery again now',
    description: 'Whatever its status (dead letters included): same `webhook-id`, attempts and retry period start afresh.',
    auth: 'bearer',
    roles: ['admin'],
    pathParams: DeliveryIdParam,
    responses: [{ status: 200, description: 'The delivery, pending again', schema: NotificationDelivery }],
    errors: ['forbidden', 'invalid_payload', 'not_found'],
  },
  {
    method: 'post',
    path: '/api/slack/interactions',
    summary: "Slack's interactivity requests (Approve / Deny buttons)",
    description:
      'Authenticated by Slack\'s request signature (`x-slack-signature`, `x-slack-request-timestamp`, 5-minute window), checked before the body is parsed. The Slack user must be mapped to a reviewer who may decide the request; otherwise they get an ephemeral "not allowed" and nothing is decided. The body is form-encoded as Slack sends it (`payload=<JSON>`). Answers an empty 200 to Slack.',
    auth: 'public',
    responses: [{ status: 200, description: 'Acknowledged (the decision, if any, is made; the message is updated by the outbox)' }],
    errors: ['unauthorized', 'not_found', 'invalid_payload', 'payload_too_large', 'rate_limited'],
  },
];

/** What every bearer route can answer, whatever it does. */
export const BEARER_ERRORS: readonly ErrorCode[] = ['unauthorized', 'forbidden', 'rate_limited', 'internal'];
/** What every public route under /api can answer (a foreign browser origin is refused). */
export const PUBLIC_ERRORS: readonly ErrorCode[] = ['forbidden', 'internal'];
