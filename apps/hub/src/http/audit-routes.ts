import { AuditHead, AuditListQuery, AuditPage, AuditVerifyQuery, AuditVerifyResult } from '@approval-hub/protocol';
import { adminRoles, reviewerRoles } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { ackReply, apiRoute, createApiApp, jsonAnswer, routeMounter, type ApiApp } from './api-routes.js';

const list = apiRoute({
  method: 'get',
  path: '/',
  summary: 'The audit log (newest first)',
  description: 'Reviewers see their queues; admins also hub-level rows and the chain fields.',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { query: AuditListQuery },
  responses: { 200: jsonAnswer(AuditPage, 'One page') },
  errors: ['forbidden', 'invalid_payload'],
});

const verify = apiRoute({
  method: 'get',
  path: '/verify',
  summary: 'Verify the audit chain and every stored request against it',
  auth: 'bearer',
  roles: adminRoles,
  forbidden: 'Only admins may verify the audit chain',
  request: { query: AuditVerifyQuery },
  responses: { 200: jsonAnswer(AuditVerifyResult, 'The verdict (`ok: false` names the first bad row or state)') },
  errors: ['forbidden', 'invalid_payload'],
});

const head = apiRoute({
  method: 'get',
  path: '/head',
  summary: 'The chain head, to keep elsewhere and check later (`verify?head=SEQ:HASH`)',
  auth: 'bearer',
  roles: adminRoles,
  forbidden: 'Only admins may read the audit head',
  responses: { 200: jsonAnswer(AuditHead, 'The head') },
  errors: ['forbidden'],
});

/** `/api/audit`: the hash-chained audit log. A sub-app composed with `app.route`. */
export function auditRoutes(hub: HubContext): ApiApp {
  const app = createApiApp();
  const mount = routeMounter(app, () => hub.config.limits.maxPayloadBytes);
  const reply = ackReply(hub);
  mount(list, async (c) => c.json(await hub.engine.listAudit(c.get('principal'), c.req.valid('query'))));
  mount(verify, async (c) => {
    const { head } = c.req.valid('query');
    const expected = head ? { seq: Number(head.split(':')[0]), hash: head.split(':')[1]! } : undefined;
    return reply(c, await hub.engine.verifyAudit(c.get('principal'), expected));
  });
  mount(head, async (c) => reply(c, await hub.engine.auditHead(c.get('principal'))));
  return app;
}
