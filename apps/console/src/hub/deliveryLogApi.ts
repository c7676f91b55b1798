import { ErrorBody, NotificationDelivery, NotificationDeliveryPage, type DeliveryStatus } from '@approval-hub/protocol';
import { HubRequestError, buildQuery } from './restClient';

/** The notification delivery log (admins): `GET /api/notifications/deliveries` and redelivery of one entry. */
export interface DeliveryLogApi {
  list(query: { status?: DeliveryStatus | undefined; channel?: string | undefined; cursor?: string | undefined }): Promise<NotificationDeliveryPage>;
  redeliver(id: string): Promise<NotificationDelivery>;
}

async function answer<T>(response: Response, parse: (body: unknown) => T): Promise<T> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Reported below.
  }
  if (!response.ok) {
    const error = ErrorBody.safeParse(body);
    if (error.success) throw new HubRequestError(error.data.error.code, error.data.error.message, response.status);
    throw new HubRequestError('bad_response', `The hub answered ${response.status}.`, response.status);
  }
  return parse(body);
}

export function createDeliveryLogApi(getToken: () => string | null, fetchImpl: typeof fetch = (input, init) => fetch(input, init)): DeliveryLogApi {
  const headers = () => {
    const token = getToken();
    return { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) };
  };
  return {
    async list(query) {
      const response = await fetchImpl(`/api/notifications/deliveries${buildQuery({ ...query, limit: 100 })}`, { headers: headers() });
      return answer(response, (body) => NotificationDeliveryPage.parse(body));
    },
    async redeliver(id) {
      const response = await fetchImpl(`/api/notifications/deliveries/${encodeURIComponent(id)}/redeliver`, { method: 'POST', headers: headers() });
      return answer(response, (body) => NotificationDelivery.parse(body));
    },
  };
}
