import { type DeliveryStatus, NotificationDelivery, NotificationDeliveryPage } from '@approval-hub/protocol';
import { createRestClient } from './restClient';

/** The notification delivery log (admins): `GET /api/notifications/deliveries` and redelivery of one entry. */
export interface DeliveryLogApi {
  list(query: { status?: DeliveryStatus | undefined; channel?: string | undefined; cursor?: string | undefined }): Promise<NotificationDeliveryPage>;
  redeliver(id: string): Promise<NotificationDelivery>;
}

export function createDeliveryLogApi(getToken: () => string | null, fetchImpl?: typeof fetch): DeliveryLogApi {
  const rest = createRestClient({ getToken, ...(fetchImpl ? { fetchImpl } : {}) });
  return {
    list: (query) => rest.get('/api/notifications/deliveries', { ...query, limit: 100 }, NotificationDeliveryPage),
    redeliver: (id) => rest.post(`/api/notifications/deliveries/${encodeURIComponent(id)}/redeliver`, undefined, NotificationDelivery),
  };
}
