import { DeliveryIdParam, NotificationDelivery, NotificationDeliveryPage, NotificationDeliveryQuery } from '@approval-hub/protocol';
import { adminRoles } from '../engine/access.js';
import { apiRoute, createApiApp, jsonAnswer, routeMounter, type ApiApp } from '../http/api-routes.js';
import { problem } from '../http/rest-errors.js';
import type { DeliveryLog } from './delivery-log.js';

const forbidden = 'The delivery log is for admin tokens';

const list = apiRoute({
  method: 'get',
  path: '/',
  summary: 'The notification delivery log (newest first)',
  description: 'Webhook, Slack and email deliveries from the durable outbox, with their status, attempts and last error. Filter by `status` and `channel`; pass `nextCursor` back as `cursor`.',
  auth: 'bearer',
  roles: adminRoles,
  forbidden,
  request: { query: NotificationDeliveryQuery },
  responses: { 200: jsonAnswer(NotificationDeliveryPage, 'One page') },
  errors: ['forbidden', 'invalid_payload'],
});

const redeliver = apiRoute({
  method: 'post',
  path: '/{id}/redeliver',
  summary: 'Send one delivery again now',
  description: 'Whatever its status (dead letters included): same `webhook-id`, attempts and retry period start afresh.',
  auth: 'bearer',
  roles: adminRoles,
  forbidden,
  request: { params: DeliveryIdParam },
  responses: { 200: jsonAnswer(NotificationDelivery, 'The delivery, pending again') },
  errors: ['forbidden', 'invalid_payload', 'not_found'],
});

/**
 * Admin REST for the notification delivery log, a sub-app of its own composed with `app.route`. The API's bearer
 * middleware (which sets the principal) runs before it; errors thrown here reach the API's own error handler.
 */
export function mountDeliveryLogRoutes(app: ApiApp, log: () => DeliveryLog | null, maxPageBytes: () => number): void {
  const deliveries = createApiApp();
  const mount = routeMounter(deliveries);

  mount(list, async (c) => {
    const current = log();
    return c.json(current ? await current.list(c.req.valid('query'), maxPageBytes()) : { items: [], nextCursor: null });
  });

  mount(
    redeliver,
    async (c) => {
      const { id } = c.req.valid('param');
      const delivery = await log()?.redeliver(id);
      return delivery ? c.json(delivery) : problem(c, 'not_found', `No delivery ${id}`);
    },
    { param: 'delivery id' },
  );

  app.route('/api/notifications/deliveries', deliveries);
}
