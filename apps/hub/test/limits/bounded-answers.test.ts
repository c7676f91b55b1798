import { AgentEvent, Namespace, ReviewerEvent, socketEventList, type ApprovalDetail, type ApprovalRecord, type ApprovalSyncPage, type QueueSnapshot } from '@approval-hub/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredRoutes, routingPath } from '../../src/http/api-routes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { api, connected, emitAck, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

/**
 * Issue #24: every answer that carries records is cut at `limits.maxPageBytes` and says where to continue. Each
 * REST route and socket event is listed below as paged (with a probe that proves the cut on real data), a single
 * record (bounded by `maxPayloadBytes`, as what it carries was accepted under that limit), or carrying no records.
 * A route or event in none of the lists fails the first tests, so a new one cannot ship unbounded.
 */
const MAX_PAGE_BYTES = 64 * 1024;
/** The page envelope around the items (`{"items":[…],"nextCursor":"…"}`, a snapshot's queues and time). */
const ENVELOPE_BYTES = 1024;

const singleRecord = new Set([
  'POST /api/approvals',
  'GET /api/approvals/:id/wait',
  'POST /api/approvals/:id/decision',
  'POST /api/approvals/:id/cancel',
  'GET /api/grants/:id',
  'DELETE /api/grants/:id',
  'GET /api/decision-links/:token',
  'POST /api/decision-links/:token',
  'POST /api/notifications/deliveries/:id/redeliver',
]);
const noRecords = new Set([
  'GET /api/health',
  'GET /api/openapi.json',
  'GET /api/asyncapi.json',
  'GET /api/docs',
  'GET /api/me',
  'POST /api/approvals/:id/decision-link',
  'GET /api/audit/verify',
  'GET /api/audit/head',
  'GET /api/metrics',
  'GET /metrics',
  'POST /api/slack/interactions',
  // The client packages the hub was built with: fixed files of a known size, no records.
  'GET /downloads/:file',
]);
const pagedRoutes = ['GET /api/approvals', 'GET /api/approvals/:id', 'GET /api/audit', 'GET /api/grants', 'GET /api/notifications/deliveries'];

const pagedEvents = [`/agent ${AgentEvent.sync}`, `/reviewer ${ReviewerEvent.subscribe}`, `/reviewer ${ReviewerEvent.page}`, `/reviewer ${ReviewerEvent.get}`];
const singleEvents = new Set([`/agent ${AgentEvent.request}`, `/agent ${AgentEvent.cancel}`, `/reviewer ${ReviewerEvent.respond}`]);

const bytes = (value: unknown) => Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value));
/** A page is within budget, or holds the one record that alone is larger (so a reader always makes progress). */
const withinBudget = (answer: unknown, items: number) => items <= 1 || bytes(answer) <= MAX_PAGE_BYTES + ENVELOPE_BYTES;

let hub: TestHub;
let receiver: WebhookReceiver;
const ids: string[] = [];
let bigId = '';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  hub = await startTestHub({
    limits: { maxPageBytes: MAX_PAGE_BYTES },
    notifications: { publicUrl: 'https://hub.example.com', allowPrivateTargets: true, channels: [{ name: 'sink', kind: 'webhook', url: receiver.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }], routes: [{ match: {}, channels: ['sink'] }] },
  });
  for (let i = 0; i < 10; i++) {
    const res = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ args: { blob: 'x'.repeat(20_000), i } }));
    expect(res.status).toBe(201);
    ids.push(res.body.requestId as string);
  }
  const big = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest({ args: { blob: 'y'.repeat(40_000) } }));
  expect(big.status).toBe(201);
  bigId = big.body.requestId as string;
});
afterAll(async () => {
  await hub.close();
  await receiver.close();
});

/** Follows `nextCursor` to the end; every page within budget. Resolves with every item seen. */
async function readAllPages(route: string, token: string): Promise<{ items: unknown[]; pages: number }> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = route.includes('?') ? '&' : '?';
    const res = await api(hub, 'GET', cursor ? `${route}${sep}cursor=${cursor}` : route, token);
    expect(res.status, route).toBe(200);
    expect(withinBudget(res.body, res.body.items.length), `${route} page ${pages} is ${bytes(res.body)} bytes`).toBe(true);
    items.push(...(res.body.items as unknown[]));
    cursor = res.body.nextCursor as string | null;
    pages++;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

describe('limits: every answer has a byte budget', () => {
  it('every REST route the router serves is classified: paged (and probed below), a single record, or no records', () => {
    const seen = new Set<string>();
    for (const r of hub.hub.app.routes) if (r.method !== 'ALL' && !r.path.includes('*')) seen.add(`${r.method} ${r.path}`);
    for (const r of declaredRoutes(hub.hub.app)) seen.add(`${r.method.toUpperCase()} ${routingPath(r.path)}`);
    const unclassified = [...seen].filter((route) => !singleRecord.has(route) && !noRecords.has(route) && !pagedRoutes.includes(route));
    expect(unclassified, 'add each new route to a list in this file (and cut it at maxPageBytes if it returns records)').toEqual([]);
  });

  it('every socket event is classified; hub-to-client events carry one record or notice each', () => {
    const events = socketEventList();
    const clientEvents = events.filter((e) => e.direction === 'clientToServer').map((e) => `${Namespace[e.namespace]} ${e.name}`);
    expect(clientEvents).toContain(`/agent ${AgentEvent.request}`);
    const unclassified = clientEvents.filter((e) => !pagedEvents.includes(e) && !singleEvents.has(e));
    expect(unclassified, 'add each new event to a list in this file (and cut it at maxPageBytes if it returns records)').toEqual([]);
    // Hub-to-client events: their payload schema is one record, grant or notice, never an array.
    const facts = events.filter((e) => e.direction === 'serverToClient');
    expect(facts.length).toBeGreaterThan(0);
    for (const e of facts) expect((e.payload as { type?: string }).type, `${e.namespace} ${e.name}`).not.toBe('array');
  });

  it('GET /api/approvals, /api/audit, /api/grants and /api/notifications/deliveries: pages within budget, continuations reach everything', async () => {
    const approvals = await readAllPages('/api/approvals?limit=500', tokens.reviewer);
    expect(approvals.pages).toBeGreaterThan(1);
    expect(new Set(approvals.items.map((r) => (r as ApprovalRecord).requestId)).size).toBe(11);
    const audit = await readAllPages('/api/audit?limit=500', tokens.admin);
    expect(audit.pages).toBeGreaterThan(1);
    expect(audit.items.filter((e) => (e as { type: string }).type === 'requested')).toHaveLength(11);
    await readAllPages('/api/grants?limit=500', tokens.reviewer);
    await readAllPages('/api/notifications/deliveries?limit=500', tokens.admin);
  });

  it('GET /api/approvals/:id and approval.get: the timeline fills what the record leaves of the budget', async () => {
    const res = await api(hub, 'GET', `/api/approvals/${bigId}`, tokens.reviewer);
    expect(res.status).toBe(200);
    const detail = res.body as ApprovalDetail;
    expect(detail.timelineTruncated).toBe(true);
    expect(bytes(detail)).toBeLessThanOrEqual(MAX_PAGE_BYTES + ENVELOPE_BYTES);
    const small = (await api(hub, 'GET', `/api/approvals/${ids[0]}`, tokens.reviewer)).body as ApprovalDetail;
    expect(small.timelineTruncated).toBeUndefined();
    expect(small.timeline.map((e) => e.type)).toContain('requested');
    const reviewer = hub.connectReviewer();
    await connected(reviewer);
    const ack = await emitAck<ApprovalDetail>(reviewer, ReviewerEvent.get, { requestId: bigId });
    expect(ack.ok && ack.data.timelineTruncated).toBe(true);
  });

  it('approval.sync: paged answers carry `remaining` to continue; older clients get the same cut, as a bare list', async () => {
    const agent = hub.connectAgent();
    await connected(agent);
    let left = [...ids, bigId, 'unknown-id-1'];
    const seen: string[] = [];
    let rounds = 0;
    while (left.length > 0 && rounds++ < 20) {
      const ack = await emitAck<ApprovalSyncPage>(agent, AgentEvent.sync, { requestIds: left, paged: true });
      if (!ack.ok) throw new Error(ack.error.message);
      expect(withinBudget(ack.data, ack.data.records.length)).toBe(true);
      seen.push(...ack.data.records.map((r) => r.requestId));
      expect(ack.data.remaining.length).toBeLessThan(left.length);
      left = ack.data.remaining;
    }
    expect(rounds).toBeGreaterThan(1);
    expect(seen).toEqual([...ids, bigId]);
    const legacy = await emitAck<ApprovalRecord[]>(agent, AgentEvent.sync, { requestIds: ids });
    expect(legacy.ok && legacy.data.length).toBeGreaterThan(0);
    expect(legacy.ok && legacy.data.length).toBeLessThan(ids.length);
    expect(withinBudget(legacy.ok && legacy.data, 2)).toBe(true);
  });

  it('queue.subscribe and queue.page: snapshot pages within budget, continued by nextCursor', async () => {
    const reviewer = hub.connectReviewer();
    await connected(reviewer);
    let ack = await emitAck<QueueSnapshot>(reviewer, ReviewerEvent.subscribe, { limit: 500 });
    const seen: string[] = [];
    for (let pages = 0; ack.ok && pages < 20; pages++) {
      expect(withinBudget(ack.data, ack.data.pending.length)).toBe(true);
      seen.push(...ack.data.pending.map((r) => r.requestId));
      if (ack.data.nextCursor === null) break;
      ack = await emitAck<QueueSnapshot>(reviewer, ReviewerEvent.page, { cursor: ack.data.nextCursor, limit: 500 });
    }
    expect(new Set(seen).size).toBe(11);
  });
});
