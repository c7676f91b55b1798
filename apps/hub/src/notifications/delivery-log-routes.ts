import { DeliveryIdParam, NotificationDeliveryQuery, type Principal } from '@approval-hub/protocol';
import type { Hono } from 'hono';
import { adminRoles } from '../engine/access.js';
import { requireRole } from '../http/require-role.js';
import { problem, problemOf } from '../http/rest-errors.js';
import { invalidPayload } from '../validation.js';
import type { DeliveryLog } from './delivery-log.js';

type Env = { Variables: { principal: Principal } };

/**
 * Admin REST for the notification delivery log. Mounted after the API's bearer middleware (which sets the
 * principal); errors thrown here reach the API's own error handler (`internal`).
 */
export function mountDeliveryLogRoutes(app: Hono<Env>, log: () => DeliveryLog | null, maxPageBytes: () => number): void {
  const admin = requireRole(adminRoles, 'The delivery log is for admin tokens');

  app.get('/api/notifications/deliveries', admin, async (c) => {
    const query = NotificationDeliveryQuery.safeParse(c.req.query());
    if (!query.success) return problemOf(c, invalidPayload('query', query.error).error);
    const deliveries = log();
    return c.json(deliveries ? await deliveries.list(query.data, maxPageBytes()) : { items: [], nextCursor: null });
  });

  app.post('/api/notifications/deliveries/:id/redeliver', admin, async (c) => {
    const param = DeliveryIdParam.safeParse({ id: c.req.param('id') });
    if (!param.success) return problemOf(c, invalidPayload('delivery id', param.error).error);
    const delivery = await log()?.redeliver(param.data.id);
    return delivery ? c.json(delivery) : problem(c, 'not_found', `No delivery ${param.data.id}`);
  });
}
