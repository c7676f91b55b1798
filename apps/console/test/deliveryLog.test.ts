import { describe, expect, it } from 'vitest';
import { createDeliveryLogApi } from '../src/hub/deliveryLogApi';
import { viewFromHash } from '../src/app/hashRoute';
import { HubRequestError } from '../src/hub/restClient';

const delivery = {
  id: 'msg_abc',
  channel: 'audit-sink',
  kind: 'webhook',
  event: 'approval.requested',
  requestId: 'req-1',
  target: null,
  status: 'dead',
  attempts: 7,
  createdAt: '2026-11-24T21:00:00.000Z',
  nextAttemptAt: null,
  lastAttemptAt: '2026-11-24T21:10:00.000Z',
  lastError: 'answered HTTP 500',
  deliveredAt: null,
};

function fakeFetch(answers: Response[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init });
    return answers.shift()!;
  }) as typeof fetch;
  return { calls, impl };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('delivery log client', () => {
  it('lists with the filter and the token, and redelivers by id', async () => {
    const { calls, impl } = fakeFetch([json(200, { items: [delivery], nextCursor: null }), json(200, { ...delivery, status: 'pending', attempts: 0 })]);
    const api = createDeliveryLogApi(() => 'admin-token', impl);
    expect((await api.list({ status: 'dead' })).items).toEqual([delivery]);
    expect(calls[0]!.url).toBe('/api/notifications/deliveries?status=dead&limit=100');
    expect((calls[0]!.init!.headers as Record<string, string>).Authorization).toBe('Bearer admin-token');
    expect(await api.redeliver('msg_abc')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(calls[1]).toMatchObject({ url: '/api/notifications/deliveries/msg_abc/redeliver', init: { method: 'POST' } });
  });

  it("turns the hub's error into a HubRequestError with its code", async () => {
    const { impl } = fakeFetch([json(403, { error: { code: 'forbidden', message: 'The delivery log is for admin tokens' } })]);
    const failure = await createDeliveryLogApi(() => 'reviewer', impl).list({}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HubRequestError);
    expect(failure).toMatchObject({ code: 'forbidden', status: 403 });
  });

  it('routes #/deliveries to its view', () => {
    expect(viewFromHash('#/deliveries')).toBe('deliveries');
    expect(viewFromHash('#/history')).toBe('history');
  });
});
