import { DeliveryIdParam, NotificationDeliveryQuery, httpStatusOf, type ErrorCode, type Principal } from '@approval-hub/protocol';
import type { Context, Hono } from 'hono';
import { invalidPayload } from '../validation.js';
import type { DeliveryLog } from './delivery-log.js';

type Env = { Variables: { principal: Principal } };

const problem = (c: Context, code: ErrorCode, message: string, details?: unknown) =>
  c.json({ error: details === undefined ? { code, message } : { code, message, details } }, httpStatusOf[code] as 400);

/**
 * Admin REST for the notification delivery log. Mounted after the API's bearer middleware (which sets the
 * principal); errors thrown here reach the API's own error handler (`internal`).
 */
export function mountDeliveryLogRoutes(app: Hono<Env>, log: () => DeliveryLog | null, maxPageBytes: () => number): void {
  const admin = (c: Context<Env>) => (c.get('principal').role === 'admin' ? null : problem(c, 'forbidden', 'The delivery log is for admin tokens'));

  app.get('/api/notifications/deliveries', async (c) => {
    const denied = admin(c);
    if (denied) return denied;
    const query = NotificationDeliveryQuery.safeParse(c.req.query());
    if (!query.success) return c.json({ error: invalidPayload('query', query.error).error }, 400);
    const deliveries = log();
    return c.json(deliveries ? await deliveries.list(query.data, maxPageBytes()) : { items: [], nextCursor: null });
  });

  app.post('/api/notifications/deliveries/:id/redeliver', async (c) => {
    const denied = admin(c);
    if (denied) return denied;
    const param = DeliveryIdParam.safeParse({ id: c.req.param('id') });
    if (!param.success) return c.json({ error: invalidPayload('delivery id', param.error).error }, 400);
    const delivery = await log()?.redeliver(param.data.id);
    return delivery ? c.json(delivery) : problem(c, 'not_found', `No delivery ${param.data.id}`);
  });
}
