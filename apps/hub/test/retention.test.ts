import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.js';
import { runCli } from './support/run-cli.js';
import { TestClock, allAudit, api, eventually, newRequest, onPostgres, startTestHub, tokens, undeliveredIds, type TestHub } from './support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const DAY = 86_400_000;

let hub: TestHub | undefined;
let sink: WebhookReceiver | undefined;
afterEach(async () => {
  await hub?.close();
  await sink?.close();
  hub = undefined;
  sink = undefined;
});

/** The link's id, as the hub records its use (the token's `jti`). */
const linkId = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;

describe('retention', () => {
  it('purges decided requests past retention.decidedAfterDays in batches; audit rows stay and the chain verifies', async () => {
    const clock = new TestClock();
    hub = await startTestHub({ retention: { decidedAfterDays: 7, batchSize: 3 }, approval: { defaultTimeoutMs: 30 * DAY, maxTimeoutMs: 60 * DAY } }, { clock });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const input = newRequest();
      expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
      ids.push(input.requestId);
    }
    // 7 decided (their decisions stay undelivered: no agent is connected), 1 cancelled, 2 still pending.
    for (const id of ids.slice(0, 7)) expect((await api(hub, 'POST', `/api/approvals/${id}/decision`, tokens.reviewer, { approved: id.endsWith('1') })).status).toBe(200);
    expect((await api(hub, 'POST', `/api/approvals/${ids[7]}/cancel`, tokens.agent, {})).status).toBe(200);
    expect(await undeliveredIds(hub.store, 'test-agent')).toHaveLength(7);

    // Not old enough yet: nothing goes.
    clock.advance(6 * DAY);
    expect(await hub.hub.engine.purgeDecided()).toBe(0);

    clock.advance(2 * DAY);
    // The cancelled request counts as resolved at its deadline (30 days), so it stays; the 7 decided go, 3 per batch.
    expect(await hub.hub.engine.purgeDecided()).toBe(7);
    for (const id of ids.slice(0, 7)) expect((await api(hub, 'GET', `/api/approvals/${id}`, tokens.admin)).status).toBe(404);
    for (const id of ids.slice(7)) expect((await api(hub, 'GET', `/api/approvals/${id}`, tokens.admin)).status).toBe(200);
    expect(await undeliveredIds(hub.store, 'test-agent')).toEqual([]);
    // Their history is kept: the audit rows of a purged request, and one `purged` row per batch.
    const audit = await allAudit(hub.store);
    expect(audit.filter((e) => e.requestId === ids[0]).map((e) => e.type)).toEqual(['requested', 'decided']);
    const purgedRows = audit.filter((e) => e.type === 'purged');
    expect(purgedRows.map((e) => (e.data as { requestIds: string[] }).requestIds.length)).toEqual([3, 3, 1]);
    expect((await api(hub, 'GET', '/api/audit/verify', tokens.admin)).body).toMatchObject({ ok: true });

    // Metrics count what went.
    const metrics = await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(await metrics.text()).toMatch(/^approval_hub_purged_requests_total 7$/m);

    if (onPostgres) return; // The offline check below reads a SQLite file.
    await hub.stop();
    const verified = runCli(['audit', 'verify', '--db', hub.dbPath]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, statesChecked: 3 });
  });

  it('also removes the purged requests’ delivered notifications and spent decision links; a pending request keeps its own', async () => {
    const clock = new TestClock();
    sink = await startWebhookReceiver();
    hub = await startTestHub(
      {
        retention: { decidedAfterDays: 7 },
        approval: { defaultTimeoutMs: 30 * DAY, maxTimeoutMs: 60 * DAY },
        decisionLinks: { signingKey: 'link-signing-key-0123456789-abcdefghij' },
        notifications: {
          publicUrl: 'https://hub.example.com',
          allowPrivateTargets: true,
          channels: [{ name: 'sink', kind: 'webhook', url: sink.url, secret: `whsec_${randomBytes(32).toString('base64')}` }],
          routes: [{ match: {}, channels: ['sink'] }],
          delivery: { backoffBaseMs: 40, backoffMaxMs: 200, pollIntervalMs: 50, timeoutMs: 2000 },
        },
      },
      { clock },
    );
    const decided = newRequest();
    const waiting = newRequest();
    for (const input of [decided, waiting]) expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
    const record = await hub.record(decided.requestId);
    const link = await hub.hub.decisionLinks.issue(record!, 'alice');
    expect((await api(hub, 'POST', `/api/decision-links/${link.token}`, null, { approved: true })).status).toBe(200);
    // Two approval.requested and one approval.resolved reach the receiver.
    await eventually(() => sink!.accepted().length === 3, 15_000);
    const deliveries = async (requestId: string) => (await api(hub!, 'GET', `/api/notifications/deliveries?requestId=${requestId}`, tokens.admin)).body.items as { status: string }[];
    await eventually(async () => (await deliveries(decided.requestId)).filter((d) => d.status === 'delivered').length === 2, 15_000);
    expect(await hub.store.decisionLinkUsed(linkId(link.token))).toBe(true);

    clock.advance(8 * DAY);
    expect(await hub.hub.engine.purgeDecided()).toBe(1);
    expect(await deliveries(decided.requestId)).toEqual([]);
    expect(await hub.store.decisionLinkUsed(linkId(link.token))).toBe(false);
    // The link cannot decide anything: its request is gone.
    expect((await api(hub, 'POST', `/api/decision-links/${link.token}`, null, { approved: true })).status).not.toBe(200);
    expect((await deliveries(waiting.requestId)).map((d) => d.status)).toEqual(['delivered']);
    expect((await api(hub, 'GET', '/api/audit/verify', tokens.admin)).body).toMatchObject({ ok: true });
  });

  it('config: validated, with defaults; metrics.port off and on localhost by default', () => {
    expect(parseConfig({}).retention).toBeUndefined();
    expect(parseConfig({ retention: { decidedAfterDays: 30 } }).retention).toEqual({ decidedAfterDays: 30, intervalMs: 3_600_000, batchSize: 500 });
    expect(() => parseConfig({ retention: { decidedAfterDays: 0 } })).toThrow(ConfigError);
    expect(() => parseConfig({ retention: { decidedAfterDays: 30, batchSize: 0 } })).toThrow(/retention\.batchSize/);
    expect(() => parseConfig({ retention: { days: 30 } })).toThrow(/retention/);
    expect(parseConfig({}).metrics).toEqual({ host: '127.0.0.1' });
    expect(() => parseConfig({ metrics: { port: 70000 } })).toThrow(/metrics\.port/);
  });

  it('is off unless configured', async () => {
    const clock = new TestClock();
    hub = await startTestHub({}, { clock });
    const input = newRequest();
    await api(hub, 'POST', '/api/approvals', tokens.agent, input);
    await api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true });
    clock.advance(3650 * DAY);
    expect(await hub.hub.engine.purgeDecided()).toBe(0);
    expect((await api(hub, 'GET', `/api/approvals/${input.requestId}`, tokens.admin)).status).toBe(200);
  });
});
