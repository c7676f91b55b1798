import { DeliveryIdParam, NotificationDeliveryQuery, type Principal } from '@approval-hub/protocol';
import { Hono } from 'hono';
import { adminRoles } from '../engine/access.js';
import { requireRole } from '../http/require-role.js';
import { problem, problemOf } from '../http/rest-errors.js';
import { invalidPayload } from '../transports/payload-validation.js';
import type { DeliveryLog } from './delivery-log.js';

type Env = { Variables: { principal: Principal } };

/**
 * Admin REST for the notification delivery log, a sub-app of its own composed with `app.route`. The API's bearer
 * middleware (which sets the principal) runs before it; errors thrown here reach the API's own error handler.
 */
export function mountDeliveryLogRoutes(app: Hono<Env>, log: () => DeliveryLog | null, maxPageBytes: () => number): void {
  const admin = requireRole(adminRoles, 'The delivery log is for admin tokens');
  const deliveries = new Hono<Env>();

  deliveries.get('/', admin, async (c) => {
    const query = NotificationDeliveryQuery.safeParse(c.req.query());
    if (!query.success) return problemOf(c, invalidPayload('query', query.error).error);
    const current = log();
    return c.json(current ? await current.list(query.data, maxPageBytes()) : { items: [], nextCursor: null });
  });

  deliveries.post('/:id/redeliver', admin, async (c) => {
    const param = DeliveryIdParam.safeParse({ id: c.req.param('id') });
    if (!param.success) return problemOf(c, invalidPayload('delivery id', param.error).error);
    const delivery = await log()?.redeliver(param.data.id);
    return delivery ? c.json(delivery) : problem(c, 'not_found', `No delivery ${param.data.id}`);
  });

  app.route('/api/notifications/deliveries', deliveries);
}
