import { randomBytes } from 'node:crypto';
import { WebhookBody } from '@approval-hub/protocol';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { api, eventually, newRequest, onPostgres, startTestHub, tokens, withStore, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const fast = { backoffBaseMs: 40, backoffMaxMs: 200, pollIntervalMs: 50, timeoutMs: 2000 };

function webhookConfig(url: string, delivery: Record<string, number> = {}, extra: Record<string, unknown> = {}): HubConfigInput {
  return {
    notifications: {
      publicUrl: 'https://hub.example.com',
      allowPrivateTargets: true,
      channels: [{ name: 'audit-sink', kind: 'webhook', url, secret }],
      routes: [{ match: {}, channels: ['audit-sink'] }],
      delivery: { ...fast, ...delivery },
      ...extra,
    },
  } as HubConfigInput;
}

/** Verified with the `standardwebhooks` package: an implementation independent of the hub's. */
function verified(hook: ReceivedWebhook): WebhookBody {
  const headers = { 'webhook-id': String(hook.headers['webhook-id']), 'webhook-timestamp': String(hook.headers['webhook-timestamp']), 'webhook-signature': String(hook.headers['webhook-signature']) };
  new Webhook(secret).verify(hook.body, headers);
  return WebhookBody.parse(JSON.parse(hook.body));
}

async function ask(hub: TestHub, overrides: Record<string, unknown> = {}) {
  const input = newRequest(overrides);
  const res = await api(hub, 'POST', '/api/approvals', tokens.agent, input);
  expect(res.status).toBe(201);
  return input.requestId;
}

let hubs: TestHub[] = [];
let receivers: WebhookReceiver[] = [];
afterEach(async () => {
  for (const hub of hubs) await hub.close();
  for (const receiver of receivers) await receiver.close();
  hubs = [];
  receivers = [];
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver();
  receivers.push(r);
  return r;
}
async function hubWith(config: HubConfigInput): Promise<TestHub> {
  const hub = await startTestHub(config);
  hubs.push(hub);
  return hub;
}

describe('webhooks (Standard Webhooks, durable outbox)', () => {
  it('signs approval.requested and approval.resolved so an independent verifier accepts them, with the record as data', async () => {
    const sink = await receiver();
    const hub = await hubWith(webhookConfig(sink.url));
    const requestId = await ask(hub);
    await eventually(() => sink.accepted().length === 1);
    const requested = verified(sink.received[0]!);
    expect(requested).toMatchObject({ type: 'approval.requested', data: { requestId, status: 'pending', toolName: 'delete_pod' } });
    expect(requested.timestamp).toBe(requested.data.createdAt);
    expect(sink.received[0]!.headers['webhook-id']).toMatch(/^msg_/);
    expect(sink.received[0]!.headers['content-type']).toBe('application/json');

    expect((await api(hub, 'POST', `/api/approvals/${requestId}/decision`, tokens.reviewer, { approved: true, reason: 'fine' })).status).toBe(200);
    await eventually(() => sink.accepted().length === 2);
    const resolved = verified(sink.received[1]!);
    expect(resolved).toMatchObject({ type: 'approval.resolved', data: { requestId, status: 'approved', decision: { reason: 'fine', decidedBy: { kind: 'reviewer', id: 'alice' } } } });
    expect(sink.received[1]!.headers['webhook-id']).not.toBe(sink.received[0]!.headers['webhook-id']);

    // A forged body fails the same verifier.
    const forged = { ...sink.received[1]!, body: sink.received[1]!.body.replace('approved', 'denied') };
    expect(() => verified(forged)).toThrow();
    const log = await api(hub, 'GET', '/api/notifications/deliveries?status=delivered', tokens.admin);
    expect(log.status).toBe(200);
    expect(log.body.items.map((d: { event: string }) => d.event).sort()).toEqual(['approval.requested', 'approval.resolved']);
    expect((await api(hub, 'GET', `/api/notifications/deliveries?requestId=${requestId}`, tokens.admin)).body.items).toHaveLength(2);
    expect((await api(hub, 'GET', '/api/notifications/deliveries?requestId=nope', tokens.admin)).body.items).toHaveLength(0);
  });

  it('retries with backoff under the same webhook-id until the receiver takes it', async () => {
    const sink = await receiver();
    let failures = 3;
    sink.answer = () => (failures-- > 0 ? 503 : 200);
    const hub = await hubWith(webhookConfig(sink.url));
    await ask(hub);
    await eventually(() => sink.accepted().length === 1);
    expect(sink.received).toHaveLength(4);
    expect(new Set(sink.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const attempt of sink.received) verified(attempt);
    // The receiver has the webhook before the hub has its answer: the delivery is settled a moment later.
    const delivery = async () => (await api(hub, 'GET', '/api/notifications/deliveries', tokens.admin)).body.items[0];
    await eventually(async () => (await delivery())?.status === 'delivered');
    expect(await delivery()).toMatchObject({ status: 'delivered', attempts: 4, lastError: 'answered HTTP 503' });
  });

  it('loses nothing across a restart: what the receiver missed while down arrives after the hub comes back', async () => {
    const sink = await receiver();
    let down = true;
    sink.answer = () => (down ? 503 : 200);
    const config = webhookConfig(sink.url);
    const first = await startTestHub(config);
    const ids = [await ask(first), await ask(first)];
    await eventually(() => sink.received.length >= 2);
    await first.stop();
    down = false;
    const second = await first.restart(config);
    hubs.push(second);
    await eventually(() => sink.accepted().length === 2);
    expect(sink.accepted().map((r) => verified(r).data.requestId).sort()).toEqual([...ids].sort());
    // Each delivery kept its id across the restart.
    for (const hook of sink.accepted()) expect(sink.received.filter((r) => r.headers['webhook-id'] === hook.headers['webhook-id']).length).toBeGreaterThan(1);
  });

  it('dead-letters after the retry period, shows it in the log and the gauge, and redelivers it on demand', async () => {
    const sink = await receiver();
    let down = true;
    sink.answer = () => (down ? 500 : 200);
    const hub = await hubWith(webhookConfig(sink.url, { retryForMs: 300 }));
    const requestId = await ask(hub);
    await eventually(async () => (await api(hub, 'GET', '/api/notifications/deliveries?status=dead', tokens.admin)).body.items.length === 1);
    const attempts = sink.received.length;
    expect(attempts).toBeGreaterThan(1);
    const [dead] = (await api(hub, 'GET', '/api/notifications/deliveries?status=dead&channel=audit-sink', tokens.admin)).body.items;
    expect(dead).toMatchObject({ requestId, status: 'dead', event: 'approval.requested', lastError: 'answered HTTP 500', nextAttemptAt: null });
    const metrics = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(await metrics.text()).toMatch(/approval_hub_notification_outbox\{status="dead"\} 1/);
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.received.length).toBe(attempts);

    expect((await api(hub, 'POST', `/api/notifications/deliveries/${dead.id}/redeliver`, tokens.reviewer)).status).toBe(403);
    expect((await api(hub, 'POST', '/api/notifications/deliveries/msg_nope/redeliver', tokens.admin)).status).toBe(404);
    down = false;
    const again = await api(hub, 'POST', `/api/notifications/deliveries/${dead.id}/redeliver`, tokens.admin);
    expect(again).toMatchObject({ status: 200, body: { id: dead.id, status: 'pending', attempts: 0 } });
    await eventually(() => sink.accepted().length === 1);
    expect(sink.accepted()[0]!.headers['webhook-id']).toBe(dead.id);
    await eventually(async () => (await api(hub, 'GET', '/api/notifications/deliveries?status=delivered', tokens.admin)).body.items.length === 1);
  });

  it('only admins read the delivery log, and its query is validated', async () => {
    const sink = await receiver();
    const hub = await hubWith(webhookConfig(sink.url));
    expect((await api(hub, 'GET', '/api/notifications/deliveries', tokens.reviewer)).status).toBe(403);
    expect((await api(hub, 'GET', '/api/notifications/deliveries', null)).status).toBe(401);
    expect((await api(hub, 'GET', '/api/notifications/deliveries?status=lost', tokens.admin)).status).toBe(400);
  });

  it('routes by queue, tool and agent, and honours a channel\'s events', async () => {
    const ops = await receiver();
    const all = await receiver();
    const hub = await hubWith({
      notifications: {
        publicUrl: 'https://hub.example.com',
        allowPrivateTargets: true,
        channels: [
          { name: 'ops', kind: 'webhook', url: ops.url, secret, events: ['approval.resolved'] },
          { name: 'all', kind: 'webhook', url: all.url, secret },
        ],
        routes: [
          { match: { queue: 'ops', toolName: 'delete_pod' }, channels: ['ops'] },
          { match: {}, channels: ['all'] },
        ],
        delivery: fast,
      },
    } as HubConfigInput);
    const inOps = await ask(hub, { queue: 'ops' });
    await ask(hub, { queue: 'default' });
    await eventually(() => all.accepted().length === 2);
    expect(ops.received).toHaveLength(0);
    await api(hub, 'POST', `/api/approvals/${inOps}/decision`, tokens.admin, { approved: false });
    await eventually(() => ops.accepted().length === 1);
    expect(verified(ops.received[0]!)).toMatchObject({ type: 'approval.resolved', data: { requestId: inOps, status: 'denied' } });
  });

  it('escalates once when nobody decides in time, and not at all when someone does; across a restart too', async () => {
    const sink = await receiver();
    const oncall = await receiver();
    const config = webhookConfig(sink.url, {}, {
      channels: [
        { name: 'audit-sink', kind: 'webhook', url: sink.url, secret, events: ['approval.requested'] },
        { name: 'oncall', kind: 'webhook', url: oncall.url, secret },
      ],
      routes: [{ match: {}, channels: ['audit-sink'], escalateAfterMs: 600, escalateTo: ['oncall'] }],
    });
    const first = await startTestHub(config);
    const waiting = await ask(first);
    const decided = await ask(first);
    await api(first, 'POST', `/api/approvals/${decided}/decision`, tokens.reviewer, { approved: true });
    await eventually(() => sink.accepted().length === 2);
    expect(oncall.received).toHaveLength(0);
    // Down before the escalation is due; it is due while the hub is away.
    await first.stop();
    await new Promise((r) => setTimeout(r, 700));
    const second = await first.restart(config);
    hubs.push(second);
    await eventually(() => oncall.accepted().length === 1);
    expect(verified(oncall.received[0]!)).toMatchObject({ type: 'approval.requested', data: { requestId: waiting, status: 'pending' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(oncall.received).toHaveLength(1);
    const skipped = (await api(second, 'GET', '/api/notifications/deliveries?status=skipped', tokens.admin)).body.items;
    expect(skipped).toMatchObject([{ requestId: decided, channel: 'oncall', event: 'approval.escalated' }]);
  });

  it.runIf(onPostgres)('two nodes on one database send each notification and escalation once', async () => {
    const sink = await receiver();
    const oncall = await receiver();
    const config = webhookConfig(sink.url, {}, {
      channels: [
        { name: 'audit-sink', kind: 'webhook', url: sink.url, secret },
        { name: 'oncall', kind: 'webhook', url: oncall.url, secret },
      ],
      routes: [{ match: {}, channels: ['audit-sink'], escalateAfterMs: 400, escalateTo: ['oncall'] }],
    });
    const first = await startTestHub(config);
    const second = await startTestHub(config, { dir: first.dir });
    hubs.push(second, first);
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(i % 2 === 0 ? first : second)));
    await eventually(() => sink.accepted().length === 10 && oncall.accepted().length === 10, 8000);
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.received).toHaveLength(10);
    expect(oncall.received).toHaveLength(10);
    expect(new Set(oncall.received.map((r) => verified(r).data.requestId))).toEqual(new Set(ids));
  });

  it.skipIf(onPostgres)('SQLite: a send a crashed hub had claimed goes again at once on restart, not when its lease runs out', async () => {
    const sink = await receiver();
    let down = true;
    sink.answer = () => (down ? 503 : 200);
    const config = webhookConfig(sink.url);
    const first = await startTestHub(config);
    const requestId = await ask(first);
    await eventually(() => sink.received.length >= 1);
    await first.stop();
    // What a process killed mid-send leaves: the row claimed, with a lease an hour long.
    const claimed = await withStore(first.dbPath, (store) => store.claimOutbox({ now: Date.now() + 60_000, limit: 10, leaseMs: 3_600_000 }));
    expect(claimed.map((r) => r.requestId)).toEqual([requestId]);
    down = false;
    const second = await first.restart(config);
    hubs.push(second);
    await eventually(() => sink.accepted().length === 1, 3000);
    expect(verified(sink.accepted()[0]!).data.requestId).toBe(requestId);
  });
});
