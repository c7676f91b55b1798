import { Grant, GrantListQuery, GrantPage, Identifier } from '@approval-hub/protocol';
import { z } from 'zod';
import { reviewerRoles } from '../engine/access.js';
import type { HubContext } from '../transports/hub-context.js';
import { ackReply, apiRoute, createApiApp, jsonAnswer, routeMounter, type ApiApp } from './api-routes.js';

const IdParam = z.object({ id: Identifier });
const grantId = { param: 'grant id', bareParam: true } as const;

const list = apiRoute({
  method: 'get',
  path: '/',
  summary: 'Standing grants (newest first)',
  description: 'Reviewers see the grants of their queues; admins all. A grant covers requests of its own queue only.',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { query: GrantListQuery },
  responses: { 200: jsonAnswer(GrantPage, 'One page') },
  errors: ['forbidden', 'invalid_payload'],
});

const one = apiRoute({
  method: 'get',
  path: '/{id}',
  summary: 'One grant',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { params: IdParam },
  responses: { 200: jsonAnswer(Grant, 'The grant') },
  errors: ['forbidden', 'invalid_payload', 'not_found'],
});

const revoke = apiRoute({
  method: 'delete',
  path: '/{id}',
  summary: 'Revoke a grant',
  description: 'Effective at once on every hub node; audited as `grant_revoked`. Revoking a revoked grant answers it unchanged. A grant outside your queues is `not_found`.',
  auth: 'bearer',
  roles: reviewerRoles,
  request: { params: IdParam },
  responses: { 200: jsonAnswer(Grant, 'The grant, revoked') },
  errors: ['forbidden', 'invalid_payload', 'not_found'],
});

/** `/api/grants`: standing grants, for reviewers of their queues. A sub-app composed with `app.route`. */
export function grantRoutes(hub: HubContext): ApiApp {
  const app = createApiApp();
  const mount = routeMounter(app, () => hub.config.limits.maxPayloadBytes);
  const reply = ackReply(hub);
  mount(list, async (c) => reply(c, await hub.engine.listGrants(c.get('principal'), c.req.valid('query'))));
  mount(one, async (c) => reply(c, await hub.engine.grant(c.get('principal'), c.req.valid('param').id)), grantId);
  mount(revoke, async (c) => reply(c, await hub.engine.revokeGrant(c.get('principal'), c.req.valid('param').id)), grantId);
  return app;
}
