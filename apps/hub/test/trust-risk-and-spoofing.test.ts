import type { ApprovalRecord, SuspiciousFinding } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, newRequest, startTestHub, TestClock, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function post(hub: TestHub, overrides: Record<string, unknown>): Promise<ApprovalRecord> {
  const res = await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest(overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as ApprovalRecord;
}

const kinds = (record: ApprovalRecord | null, field?: string): string[] =>
  (record?.suspicious ?? []).filter((f: SuspiciousFinding) => field === undefined || f.field === field).map((f) => f.kind);

describe('risk: hub rules raise, never lower', () => {
  const risk = [
    { rule: 'prod deletions are critical', match: { toolName: 'delete_*', args: { namespace: 'prod' } }, risk: 'critical' as const },
    { match: { queue: 'billing' }, risk: 'medium' as const },
  ];

  it('raises an understated risk and keeps both values', async () => {
    t = await startTestHub({ approval: { risk } });
    const record = await post(t, { risk: 'low', args: { name: 'web-1', namespace: 'prod' } });
    expect(record).toMatchObject({ risk: 'critical', agentRisk: 'low', riskRule: 'prod deletions are critical' });
    expect(await t.record(record.requestId)).toMatchObject({ risk: 'critical', agentRisk: 'low', riskRule: 'prod deletions are critical' });
  });

  it('never lowers what the agent stated', async () => {
    t = await startTestHub({ approval: { risk } });
    const record = await post(t, { risk: 'high', queue: 'billing', toolName: 'send_payment', args: { amount: 1 } });
    expect(record.risk).toBe('high');
    expect(record.agentRisk).toBe('high');
    expect(record.riskRule).toBeUndefined();
    const critical = await post(t, { risk: 'critical', args: { name: 'x', namespace: 'prod' } });
    expect(critical).toMatchObject({ risk: 'critical', agentRisk: 'critical' });
    expect(critical.riskRule).toBeUndefined();
  });

  it('gives a rule’s level to a request that states none, and leaves others unrated', async () => {
    t = await startTestHub({ approval: { risk } });
    const billed = await post(t, { queue: 'billing', toolName: 'send_payment', args: { amount: 1 } });
    expect(billed).toMatchObject({ risk: 'medium', riskRule: 'queue=billing → medium' });
    expect(billed.agentRisk).toBeUndefined();
    const staging = await post(t, { args: { name: 'x', namespace: 'staging' } });
    expect(staging.risk).toBeUndefined();
  });

  it('rejects an unknown risk level and a multi-line or overlong summary', async () => {
    t = await startTestHub();
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, newRequest({ risk: 'extreme' }))).body).toMatchObject({ error: { code: 'invalid_payload' } });
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, newRequest({ summary: 'a\nb' }))).status).toBe(400);
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, newRequest({ summary: 'x'.repeat(201) }))).status).toBe(400);
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, newRequest({ context: { turns: Array.from({ length: 21 }, () => ({ role: 'user', content: 'hi' })) } }))).status).toBe(400);
    expect((await api(t, 'POST', '/api/approvals', tokens.agent, newRequest({ context: { rationale: 'x', html: '<b>' } }))).status).toBe(400);
  });

  it('a config rule with an unknown level is refused at start', async () => {
    await expect(startTestHub({ approval: { risk: [{ match: { toolName: 'x' }, risk: 'extreme' as never }] } })).rejects.toThrow();
  });
});

describe('spoofing flags, computed once on arrival and stored', () => {
  it('flags each character class in argument values', async () => {
    t = await startTestHub();
    const record = await post(t, {
      args: {
        file: 'invoice\u202Efdp.exe',
        isolate: 'a\u2066b\u2069',
        to: 'b\u200b@evil.test',
        joiner: 'ad\u2060min',
        bom: '\uFEFFroot',
        terminal: 'ok\u001b[2Jcleared',
        site: 'https://pаypal.com/login',
        email: 'admin@gооgle.com',
        clean: 'nothing to see',
        japanese: 'Tシャツ 東京',
      },
    });
    const stored = await t.record(record.requestId);
    expect(stored?.suspicious).toEqual(record.suspicious);
    expect(kinds(stored, 'args.file')).toEqual(['bidi_control']);
    expect(stored?.suspicious?.find((f) => f.field === 'args.file')?.codePoints).toEqual(['U+202E']);
    expect(stored?.suspicious?.find((f) => f.field === 'args.isolate')?.codePoints).toEqual(['U+2066', 'U+2069']);
    expect(kinds(stored, 'args.to')).toEqual(['invisible']);
    expect(stored?.suspicious?.find((f) => f.field === 'args.to')?.codePoints).toEqual(['U+200B']);
    expect(kinds(stored, 'args.joiner')).toEqual(['invisible']);
    expect(kinds(stored, 'args.bom')).toEqual(['invisible']);
    expect(kinds(stored, 'args.terminal')).toEqual(['control']);
    expect(stored?.suspicious?.find((f) => f.field === 'args.site')).toMatchObject({ kind: 'mixed_script', scripts: ['Cyrillic', 'Latin'], token: 'https://p⟨U+0430⟩ypal.com/login' });
    expect(kinds(stored, 'args.email')).toEqual(['mixed_script']);
    expect(kinds(stored, 'args.clean')).toEqual([]);
    expect(kinds(stored, 'args.japanese')).toEqual([]);
  });

  it('flags keys, nested values and every text field the agent writes', async () => {
    t = await startTestHub();
    const record = await post(t, {
      agentName: 'ops\u200Dagent',
      runId: 'run\u202E1',
      conversationId: 'conv\u2067x',
      summary: 'Pay vеndor',
      description: 'desc\u00ADription',
      context: { rationale: 'Because \u202Etxt.exe', turns: [{ role: 'user', content: 'please\u200B' }] },
      args: { 'amount\u202E': 1, nested: { list: ['ok', 'x\u2068y'] } },
    });
    const fields = new Map((record.suspicious ?? []).map((f) => [f.field, f.kind]));
    expect(fields.get('agentName')).toBe('invisible');
    expect(fields.get('runId')).toBe('bidi_control');
    expect(fields.get('conversationId')).toBe('bidi_control');
    expect(fields.get('summary')).toBe('mixed_script');
    expect(fields.get('description')).toBe('invisible');
    expect(fields.get('context.rationale')).toBe('bidi_control');
    expect(fields.get('context.turns[0]')).toBe('invisible');
    expect(fields.get('args key "amount\u202E"')).toBe('bidi_control');
    expect(fields.get('args.nested.list[1]')).toBe('bidi_control');
    expect(await t.record(record.requestId)).toMatchObject({ suspicious: record.suspicious });
  });

  it('keeps clean requests clean, with an empty list', async () => {
    t = await startTestHub();
    const record = await post(t, { summary: 'Delete pod web-1', args: { name: 'web-1', note: 'Grüße, café, naïve — ok', url: 'https://example.com/a?b=c' } });
    expect(record.suspicious).toEqual([]);
  });

  it('bounds what it keeps for a request full of suspicious text', async () => {
    t = await startTestHub();
    const args = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, `v\u202E${i}`]));
    const record = await post(t, { args });
    expect(record.suspicious).toHaveLength(50);
  });
});

describe('history order and search', () => {
  it('sorts by decision time when asked, and pages without repeats', async () => {
    const clock = new TestClock();
    t = await startTestHub({}, { clock });
    const a = await post(t, { runId: 'run-a' });
    clock.advance(1000);
    const b = await post(t, { runId: 'run-b' });
    clock.advance(1000);
    const c = await post(t, { runId: 'run-c' });
    // Decided in the order c, a, b: created order is a, b, c.
    for (const id of [c.requestId, a.requestId, b.requestId]) {
      clock.advance(1000);
      expect((await api(t, 'POST', `/api/approvals/${id}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    }
    const pending = await post(t, {});
    const byCreated = await api(t, 'GET', '/api/approvals?limit=10', tokens.reviewer);
    expect(byCreated.body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([pending.requestId, c.requestId, b.requestId, a.requestId]);
    const first = await api(t, 'GET', '/api/approvals?sort=decided&limit=2', tokens.reviewer);
    expect(first.body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([b.requestId, a.requestId]);
    expect(first.body.items[0].resolvedAt).toBe(first.body.items[0].decision.decidedAt);
    const second = await api(t, 'GET', `/api/approvals?sort=decided&limit=2&cursor=${first.body.nextCursor}`, tokens.reviewer);
    expect(second.body.items.map((r: ApprovalRecord) => r.requestId)).toEqual([c.requestId]);
    expect(second.body.nextCursor).toBeNull();
    // A cursor of one order is not accepted for the other.
    expect((await api(t, 'GET', `/api/approvals?limit=2&cursor=${first.body.nextCursor}`, tokens.reviewer)).status).toBe(400);
  });

  it('finds requests by request id, run id, conversation id, tool and arguments', async () => {
    t = await startTestHub();
    const target = await post(t, { requestId: 'req-needle-42', runId: 'run-7f3a', conversationId: 'conv-zeta', toolName: 'send_email', args: { to: 'Carol@Example.com', body: 'He said "100%_done"' } });
    await post(t, { runId: 'run-other', args: { name: 'web-9' } });
    const search = async (q: string) => (await api(t!, 'GET', `/api/approvals?q=${encodeURIComponent(q)}`, tokens.reviewer)).body.items.map((r: ApprovalRecord) => r.requestId);
    for (const q of ['needle-42', 'run-7f3a', '7F3A', 'conv-zeta', 'send_em', 'carol@example', '"100%_done"', '100%_']) {
      expect(await search(q), q).toEqual([target.requestId]);
    }
    expect(await search('%')).toEqual([target.requestId]);
    expect(await search('no-such-thing')).toEqual([]);
    expect((await api(t, 'GET', `/api/approvals?q=${'x'.repeat(201)}`, tokens.reviewer)).status).toBe(400);
    // Confinement holds for search: the ops reviewer sees nothing outside its queue.
    expect((await api(t, 'GET', '/api/approvals?q=needle', tokens.ops)).body.items).toEqual([]);
  });
});
