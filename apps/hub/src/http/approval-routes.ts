import {
  ApprovalDetail,
  ApprovalListQuery,
  ApprovalPage,
  ApprovalRecord,
  ApprovalRequestInput,
  CancelBody,
  DecisionBody,
  Identifier,
  IssuedDecisionLink,
  WaitQuery,
} from '@approval-hub/protocol';
import { z } from 'zod';
import { agentRoles, reviewerRoles } from '../engine/access.js';
import type { DecisionWaiters } from '../engine/decision-waiters.js';
import type { DecisionLinks } from '../decision-links/decision-links.js';
import type { HubContext } from '../transports/hub-context.js';
import { ackReply, apiRoute, createApiApp, jsonAnswer, jsonRequestBody, routeMounter, type ApiApp } from './api-routes.js';
import { bearerToken } from './bearer-token.js';
import type { LongPolls } from './long-polls.js';
import { problem, problemOf } from './rest-errors.js';

const IdParam = z.object({ id: Identifier });
const requestId = { param: 'request id', bareParam: true } as const;

const list = apiRoute({
  method: 'get',
  path: '/',
  summary: 'List requests (newest first)',
  description: 'Reviewers see their queues, agents their own requests, admins everything. Pass `nextCursor` back as `cursor`.',
  auth: 'bearer',
  request: { query: ApprovalListQuery },
  responses: { 200: jsonAnswer(ApprovalPage, 'One page') },
  errors: ['invalid_payload'],
});

const create = apiRoute({
  method: 'post',
  path: '/',
  summary: 'Ask for approval of a tool call',
  description: '`requestId` is the idempotency key: the same request again answers 200 with the stored record.',
  auth: 'bearer',
  roles: agentRoles,
  request: { body: jsonRequestBody(ApprovalRequestInput) },
  responses: {
    201: jsonAnswer(ApprovalRecord, 'Created (pending, or already decided by a policy)'),
    200: jsonAnswer(ApprovalRecord, 'The same request was already made: the stored record'),
  },
  errors: ['forbidden', 'invalid_payload', 'conflict', 'quota_exceeded', 'payload_too_large'],
});

const detail = apiRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One request with its audit timeline',
  auth: 'bearer',
  request: { params: IdParam },
  responses: { 200: jsonAnswer(ApprovalDetail, 'The request') },
  errors: ['invalid_payload', 'not_found'],
});

const wait = apiRoute({
  method: 'get',
  path: '/{id}/wait',
  summary: 'Long-poll until the request is decided (or `timeoutMs`)',
  description: 'An agent that reads a decision here has it marked delivered.',
  auth: 'bearer',
  request: { params: IdParam, query: WaitQuery },
  responses: { 200: jsonAnswer(ApprovalRecord, 'The record, decided or still pending at the timeout') },
  errors: ['invalid_payload', 'not_found'],
});

const decide = apiRoute({
  method: 'post',
  path: '/{id}/decision',
  summary: 'Approve or deny (optionally with edited arguments)',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { params: IdParam, body: jsonRequestBody(DecisionBody) },
  responses: { 200: jsonAnswer(ApprovalRecord, 'The decided record') },
  errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided', 'already_approved_by_you', 'conflict', 'expired', 'payload_too_large'],
});

const issueLink = apiRoute({
  method: 'post',
  path: '/{id}/decision-link',
  summary: 'Issue a signed, single-use decision link to the caller for one pending request',
  description:
    'The same link notifications send, signed for the calling reviewer and bound to the arguments as they stand. The MCP proxy uses it for URL-mode elicitation. The URL is a credential: never log it.',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { params: IdParam },
  responses: { 200: jsonAnswer(IssuedDecisionLink, 'The link and when it expires') },
  errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided'],
});

const cancel = apiRoute({
  method: 'post',
  path: '/{id}/cancel',
  summary: 'Cancel your own pending request',
  auth: 'bearer',
  roles: agentRoles,
  request: { params: IdParam, body: jsonRequestBody(CancelBody, false) },
  responses: { 200: jsonAnswer(ApprovalRecord, 'The cancelled record') },
  errors: ['forbidden', 'invalid_payload', 'not_found', 'already_decided', 'payload_too_large'],
});

export interface ApprovalRouteOptions {
  waiters: DecisionWaiters;
  longPolls: LongPolls;
  decisionLinks: DecisionLinks;
}

/** `/api/approvals`: asking, reading, waiting, deciding, cancelling. A sub-app composed with `app.route`. */
export function approvalRoutes(hub: HubContext, { waiters, longPolls, decisionLinks }: ApprovalRouteOptions): ApiApp {
  const app = createApiApp();
  const mount = routeMounter(app, () => hub.config.limits.maxPayloadBytes);
  const reply = ackReply(hub);

  mount(list, async (c) => c.json(await hub.engine.list(c.get('principal'), c.req.valid('query'))));

  mount(
    create,
    async (c) => {
      const { ack, created } = await hub.engine.request(c.get('principal'), c.req.valid('json'));
      // 201 for a new request, 200 for an idempotent re-send of one that exists: the engine knows which.
      return ack.ok && created ? c.json(ack.data, 201) : reply(c, ack);
    },
    { json: 'approval request' },
  );

  mount(detail, async (c) => reply(c, await hub.engine.detail(c.get('principal'), c.req.valid('param').id)), requestId);

  mount(
    wait,
    async (c) => {
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      const { timeoutMs } = c.req.valid('query');
      let record = await hub.engine.visibleRecord(principal, id);
      if (!record) return problem(c, 'not_found', `No request ${id} visible to you`);
      if (record.status === 'pending' && timeoutMs > 0) {
        const slot = hub.budgets.openLongPoll(principal, 'GET /api/approvals/:id/wait');
        if ('ok' in slot) return problemOf(c, slot.error);
        // Ends early with 401 when a reload revokes or changes this token.
        const poll = longPolls.track(bearerToken(c.req.header('authorization')) ?? '', principal);
        try {
          await waiters.wait(id, timeoutMs, AbortSignal.any([c.req.raw.signal, poll.signal]));
          if (poll.signal.aborted) return problem(c, 'unauthorized', 'This token was revoked or its rights changed; sign in again');
          // Only what the asker may see NOW (issue #24): the waiter's record is the hub's, and an escalation may have
          // moved the request out of this reviewer's queues while it waited (its new queue, decider and reason are
          // not theirs to read).
          const now = await hub.engine.visibleRecord(principal, id);
          if (!now) return problem(c, 'not_found', `No request ${id} visible to you`);
          record = now;
        } finally {
          poll.done();
          slot.release();
        }
      }
      if (record.status !== 'pending' && record.decision && principal.role === 'agent') {
        await hub.engine.markDelivered(id, principal);
      }
      return c.json(record);
    },
    requestId,
  );

  mount(
    decide,
    async (c) => reply(c, await hub.engine.decide(c.get('principal'), { requestId: c.req.valid('param').id, ...c.req.valid('json') }, { channel: 'rest' })),
    { ...requestId, json: 'decision' },
  );

  mount(
    issueLink,
    async (c) => {
      const principal = c.get('principal');
      const { id } = c.req.valid('param');
      // Visible means within the reviewer's queues (access.ts's read scope), so the link never reaches further.
      const record = await hub.engine.visibleRecord(principal, id);
      if (!record) return problem(c, 'not_found', `No request ${id} visible to you`);
      if (record.status !== 'pending') return problem(c, 'already_decided', `Request ${id} is no longer pending`);
      let link: Awaited<ReturnType<DecisionLinks['issue']>>;
      try {
        link = await decisionLinks.issue(record, principal.id);
      } catch (error) {
        // A principal without a configured reviewer token (nothing to sign the link with), or a deadline too close.
        hub.log.info({ requestId: id, principal: principal.id, reason: error instanceof Error ? error.message : 'unknown' }, 'decision link not issued');
        return problem(c, 'forbidden', 'The hub cannot issue a decision link to this token for this request');
      }
      // The URL is the credential: it goes only into this answer, never into a log.
      return c.json(IssuedDecisionLink.parse({ url: link.url, expiresAt: link.expiresAt }));
    },
    requestId,
  );

  mount(cancel, async (c) => reply(c, await hub.engine.cancel(c.get('principal'), c.req.valid('param').id, c.req.valid('json').reason)), { ...requestId, json: 'cancel' });

  return app;
}
