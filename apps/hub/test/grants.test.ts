import type { ApprovalRecord, ApprovalResponse, Grant } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, collect, countAudit, emitAck, eventually, newRequest, once, startTestHub, TestClock, tokens, type TestHub } from './support/test-hub.js';

let t: TestHub;
afterEach(async () => {
  await t.close();
});

async function ask(hub: TestHub, overrides: Record<string, unknown> = {}, token: string = tokens.agent) {
  const agent = hub.connectAgent(token);
  const input = newRequest(overrides);
  const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', input);
  if (!ack.ok) throw new Error(ack.error.message);
  return { agent, input, record: ack.data };
}

async function decideWithGrant(hub: TestHub, requestId: string, body: Record<string, unknown>, token: string = tokens.reviewer) {
  const ack = await emitAck<ApprovalRecord>(hub.connectReviewer(token), 'approval.response', { requestId, ...body });
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

async function grants(hub: TestHub, token: string = tokens.reviewer, query = ''): Promise<Grant[]> {
  const res = await api(hub, 'GET', `/api/grants${query}`, token);
  expect(res.status).toBe(200);
  return res.body.items as Grant[];
}

describe('grants made with a decision', () => {
  it('an approval with a grant decides the same call from the same agent at once, and every use is counted and audited', async () => {
    t = await startTestHub();
    const watcher = t.connectReviewer(tokens.reviewer2);
    await emitAck(watcher, 'queue.subscribe', {});
    const created = once<Grant>(watcher, 'grant.created');
    const first = await ask(t, { toolName: 'read_file', args: { path: '/etc/hosts' } });
    const decided = await decideWithGrant(t, first.input.requestId, { approved: true, grant: {} });
    expect(decided.status).toBe('approved');
    const grant = await created;
    expect(grant).toMatchObject({ effect: 'allow', queue: 'default', fromRequestId: first.input.requestId, grantedBy: { id: 'alice', name: 'Alice' }, uses: 0, status: 'active' });
    expect(grant.match).toEqual({ agent: 'test-agent', toolName: 'read_file', onBehalfOf: null, args: { path: { equals: '/etc/hosts' } } });
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)).toBe(3_600_000);
    expect(await grants(t)).toEqual([grant]);

    const used = once<Grant>(watcher, 'grant.used');
    const agent = t.connectAgent();
    const again = newRequest({ toolName: 'read_file', args: { path: '/etc/hosts' } });
    // The first decision is redelivered to this new socket too (nobody acknowledged it): wait for this one.
    const response = new Promise<ApprovalResponse>((resolve) => agent.on('approval.response', (r: ApprovalResponse) => r.requestId === again.requestId && resolve(r)));
    const ack = await emitAck<ApprovalRecord>(agent, 'approval.request', again);
    expect(ack.ok && ack.data).toMatchObject({ status: 'approved', decision: { approved: true, decidedBy: { kind: 'grant', grantId: grant.grantId, grantedBy: { id: 'alice', name: 'Alice' } } } });
    expect(await response).toMatchObject({ requestId: again.requestId, approved: true, decidedBy: { kind: 'grant', grantId: grant.grantId } });
    expect(await used).toMatchObject({ grantId: grant.grantId, uses: 1 });
    expect(await countAudit(t.store, 'grant_used', again.requestId)).toBe(1);
    expect(await countAudit(t.store, 'grant_created', first.input.requestId)).toBe(1);

    // Other arguments, or another agent: not covered.
    expect((await ask(t, { toolName: 'read_file', args: { path: '/etc/shadow' } })).record.status).toBe('pending');
    expect((await ask(t, { toolName: 'read_file', args: { path: '/etc/hosts' } }, tokens.agent2)).record.status).toBe('pending');
    expect((await ask(t, { toolName: 'read_file', args: { path: '/etc/hosts', extra: 1 } })).record.status).toBe('pending');
  });

  it('the REST decision takes the same grant field; a deny grant denies later calls', async () => {
    t = await startTestHub();
    const first = await ask(t, { toolName: 'drop_table', args: { table: 'users' } });
    const res = await api(t, 'POST', `/api/approvals/${first.input.requestId}/decision`, tokens.reviewer, { approved: false, reason: 'never', grant: { maxUses: 5 } });
    expect(res.status).toBe(200);
    const [grant] = await grants(t);
    expect(grant).toMatchObject({ effect: 'deny', maxUses: 5, uses: 0 });
    const later = await ask(t, { toolName: 'drop_table', args: { table: 'users' } });
    expect(later.record).toMatchObject({ status: 'denied', decision: { approved: false, decidedBy: { kind: 'grant', grantId: grant!.grantId } } });
  });

  it('match.args widens each argument: glob, numeric range, any, exact values', async () => {
    t = await startTestHub();
    const first = await ask(t, { toolName: 'write_file', args: { path: '/tmp/a.txt', size: 50, mode: 'w', owner: { uid: 1 } } });
    await decideWithGrant(t, first.input.requestId, {
      approved: true,
      grant: { match: { args: { path: '/tmp/*.txt', size: { gte: 10, lte: 100 }, mode: { any: true }, owner: { equals: { uid: 1 } } } } },
    });
    const status = async (args: Record<string, unknown>) => (await ask(t, { toolName: 'write_file', args })).record.status;
    expect(await status({ path: '/tmp/b.txt', size: 10, mode: 'a', owner: { uid: 1 } })).toBe('approved');
    expect(await status({ path: '/tmp/dir/c.txt', size: 100, owner: { uid: 1 } })).toBe('approved');
    expect(await status({ path: '/var/b.txt', size: 50, mode: 'w', owner: { uid: 1 } })).toBe('pending');
    expect(await status({ path: '/tmp/b.txt', size: 101, mode: 'w', owner: { uid: 1 } })).toBe('pending');
    expect(await status({ path: '/tmp/b.txt', size: '50', mode: 'w', owner: { uid: 1 } })).toBe('pending');
    expect(await status({ path: '/tmp/b.txt', size: 50, mode: 'w', owner: { uid: 2 } })).toBe('pending');
    expect(await status({ path: '/tmp/b.txt', size: 50, mode: 'w', owner: { uid: 1 }, force: true })).toBe('pending');
  });

  it('expires after ttlMs (default one hour), and never lives longer than approval.grants.maxTtlMs', async () => {
    const clock = new TestClock();
    t = await startTestHub({ approval: { grants: { maxTtlMs: 120_000 } } }, { clock });
    const first = await ask(t, { toolName: 'restart', args: { service: 'api' } });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: { ttlMs: 600_000 } });
    const [grant] = await grants(t);
    expect(Date.parse(grant!.expiresAt) - Date.parse(grant!.createdAt)).toBe(120_000);
    clock.advance(119_000);
    expect((await ask(t, { toolName: 'restart', args: { service: 'api' } })).record.status).toBe('approved');
    clock.advance(1_000);
    expect((await ask(t, { toolName: 'restart', args: { service: 'api' } })).record.status).toBe('pending');
    expect(await grants(t, tokens.reviewer, '?status=expired')).toHaveLength(1);
    expect(await grants(t, tokens.reviewer, '?status=active')).toHaveLength(0);
  });

  it('a grant’s scope need not cover the request it was made on', async () => {
    t = await startTestHub();
    const big = await ask(t, { toolName: 'refund', args: { amount: 500 } });
    await decideWithGrant(t, big.input.requestId, { approved: true, grant: { match: { args: { amount: { lte: 100 } } } } });
    expect((await ask(t, { toolName: 'refund', args: { amount: 100 } })).record.status).toBe('approved');
    expect((await ask(t, { toolName: 'refund', args: { amount: 500 } })).record.status).toBe('pending');
  });

  it('maxUses: counted uses, then the grant is used up', async () => {
    t = await startTestHub();
    const first = await ask(t, { toolName: 'deploy', args: { app: 'web' } });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: { maxUses: 2 } });
    // Concurrent arrivals for the last allowances: exactly two are decided by the grant.
    const results = await Promise.all([1, 2, 3, 4].map(() => ask(t, { toolName: 'deploy', args: { app: 'web' } })));
    expect(results.map((r) => r.record.status).sort()).toEqual(['approved', 'approved', 'pending', 'pending']);
    const [grant] = await grants(t);
    expect(grant).toMatchObject({ uses: 2, maxUses: 2, status: 'used_up' });
    expect(await countAudit(t.store, 'grant_used')).toBe(2);
  });

  it('revoking: effective at once, audited, idempotent; outside your queues a grant does not exist; agents may not', async () => {
    t = await startTestHub();
    const watcher = t.connectReviewer(tokens.reviewer2);
    await emitAck(watcher, 'queue.subscribe', {});
    const first = await ask(t, { toolName: 'scale', args: { replicas: 3 } });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: {} });
    const [grant] = await grants(t);
    const id = grant!.grantId;

    expect(await api(t, 'DELETE', `/api/grants/${id}`, tokens.ops)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await api(t, 'DELETE', `/api/grants/no-such-grant`, tokens.reviewer)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect((await api(t, 'DELETE', `/api/grants/${id}`, tokens.agent)).status).toBe(403);
    expect((await api(t, 'GET', `/api/grants`, tokens.agent)).status).toBe(403);

    const revoked = once<Grant>(watcher, 'grant.revoked');
    const res = await api(t, 'DELETE', `/api/grants/${id}`, tokens.reviewer2);
    expect(res).toMatchObject({ status: 200, body: { grantId: id, status: 'revoked', revokedBy: { id: 'bob', name: 'Bob' } } });
    expect(await revoked).toMatchObject({ grantId: id, status: 'revoked' });
    expect((await ask(t, { toolName: 'scale', args: { replicas: 3 } })).record.status).toBe('pending');
    expect(await api(t, 'DELETE', `/api/grants/${id}`, tokens.reviewer)).toMatchObject({ status: 200, body: { status: 'revoked', revokedBy: { id: 'bob' } } });
    expect(await countAudit(t.store, 'grant_revoked')).toBe(1);
    expect((await api(t, 'GET', `/api/grants/${id}`, tokens.reviewer)).body).toMatchObject({ status: 'revoked' });
    expect((await t.store.verifyAudit({})).ok).toBe(true);
  });

  it('a deny grant beats an allow grant, and a static deny policy beats every grant', async () => {
    t = await startTestHub({ approval: { policies: [{ rule: 'no-purges-by-other', match: { toolName: 'purge_cache', agentName: 'other-agent' }, action: 'deny' }] } });
    const denied = await ask(t, { toolName: 'purge_cache', args: { region: 'ap' } });
    await decideWithGrant(t, denied.input.requestId, { approved: false, grant: { match: { agent: '*' } } });
    const allowed = await ask(t, { toolName: 'purge_cache', args: { region: 'eu' } });
    await decideWithGrant(t, allowed.input.requestId, { approved: true, grant: { match: { agent: '*', args: { region: { any: true } } } } });

    expect((await ask(t, { toolName: 'purge_cache', args: { region: 'us' } })).record.decision).toMatchObject({ approved: true, decidedBy: { kind: 'grant' } });
    const both = await ask(t, { toolName: 'purge_cache', args: { region: 'ap' } });
    expect(both.record).toMatchObject({ status: 'denied', decision: { decidedBy: { kind: 'grant', grantId: (await grants(t, tokens.reviewer, `?fromRequestId=${denied.input.requestId}`))[0]!.grantId } } });
    const policy = await ask(t, { toolName: 'purge_cache', args: { region: 'us' } }, tokens.agent2);
    expect(policy.record).toMatchObject({ status: 'denied', decision: { decidedBy: { kind: 'policy', rule: 'no-purges-by-other' } } });
    expect(await countAudit(t.store, 'grant_used', policy.input.requestId)).toBe(0);
  });

  it('a grant never covers a request outside its queue, and reviewers list only their queues’ grants', async () => {
    t = await startTestHub();
    const inOps = await ask(t, { toolName: 'page_oncall', args: { team: 'db' }, queue: 'ops' });
    await decideWithGrant(t, inOps.input.requestId, { approved: true, grant: { match: { toolName: '*', agent: '*', args: { team: { any: true } } } } }, tokens.ops);
    expect((await ask(t, { toolName: 'page_oncall', args: { team: 'web' }, queue: 'ops' })).record.status).toBe('approved');
    expect((await ask(t, { toolName: 'page_oncall', args: { team: 'db' }, queue: 'default' })).record.status).toBe('pending');

    const inDefault = await ask(t, { toolName: 'noop', args: {} });
    await decideWithGrant(t, inDefault.input.requestId, { approved: true, grant: {} });
    expect((await grants(t, tokens.ops)).map((g) => g.queue)).toEqual(['ops']);
    expect((await grants(t, tokens.admin)).map((g) => g.queue).sort()).toEqual(['default', 'ops']);
    expect((await grants(t, tokens.reviewer, '?queue=ops')).map((g) => g.queue)).toEqual(['ops']);
  });

  it('challenges: a grant on actions and resources with wildcards, and on the end user the agent acts for', async () => {
    t = await startTestHub();
    const challenge = (action: string, resource: string) => [{ actions: [action], resources: [resource] }];
    const first = await ask(t, { toolName: 'local_file', args: { path: '/home/ann/a.txt' }, challenges: challenge('tool:local_file:read', '/home/ann/a.txt'), onBehalfOf: 'ann' });
    expect(first.record).toMatchObject({ challenges: challenge('tool:local_file:read', '/home/ann/a.txt'), onBehalfOf: 'ann' });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: { match: { actions: ['tool:local_file:*'], resources: ['/home/ann/*'] } } });
    const [grant] = await grants(t);
    expect(grant!.match).toEqual({ agent: 'test-agent', toolName: 'local_file', onBehalfOf: 'ann', challenges: { actions: ['tool:local_file:*'], resources: ['/home/ann/*'] } });

    const status = async (overrides: Record<string, unknown>) => (await ask(t, { toolName: 'local_file', args: { path: 'x' }, onBehalfOf: 'ann', ...overrides })).record.status;
    expect(await status({ challenges: challenge('tool:local_file:write', '/home/ann/notes/b.txt') })).toBe('approved');
    expect(await status({ challenges: [...challenge('tool:local_file:read', '/home/ann/b'), ...challenge('tool:local_file:read', '/etc/passwd')] })).toBe('pending');
    expect(await status({ challenges: challenge('tool:shell:exec', '/home/ann/b') })).toBe('pending');
    expect(await status({ challenges: challenge('tool:local_file:read', '/home/ann/b'), onBehalfOf: 'bob' })).toBe('pending');
    expect(await status({})).toBe('pending');
  });

  it('MCP tool drift: an allow-similar grant made under one tool fingerprint never decides a call under another', async () => {
    t = await startTestHub();
    // What the MCP proxy sends: the tool definition's fingerprint as a challenge resource.
    const under = (hash: string) => [{ actions: ['mcp:tools/call'], resources: [`mcp-tool:records/delete_record#sha256:${hash}`] }];
    const oldPrint = 'A'.repeat(43);
    const newPrint = 'B'.repeat(43);
    const first = await ask(t, { toolName: 'delete_record', args: { id: 'r-1' }, challenges: under(oldPrint) });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: {} });
    const second = await ask(t, { toolName: 'delete_record', args: { id: 'r-2' }, challenges: under(oldPrint) });
    await decideWithGrant(t, second.input.requestId, { approved: true, grant: { match: { args: { id: { glob: 'r-*' } } } } });

    const status = async (args: Record<string, unknown>, hash: string) => (await ask(t, { toolName: 'delete_record', args, challenges: under(hash) })).record.status;
    // Under the fingerprint they were made with, both grants decide.
    expect(await status({ id: 'r-1' }, oldPrint)).toBe('approved');
    expect(await status({ id: 'r-9' }, oldPrint)).toBe('approved');
    // The tool changed: neither the exact grant nor the argument pattern decides; a reviewer must.
    expect(await status({ id: 'r-1' }, newPrint)).toBe('pending');
    expect(await status({ id: 'r-9' }, newPrint)).toBe('pending');
  });

  it('refuses a grant it cannot make, and then decides nothing', async () => {
    t = await startTestHub();
    const reviewer = t.connectReviewer();
    const first = await ask(t, { toolName: 'transfer', args: { amount: 10 } });
    const edited = await emitAck(reviewer, 'approval.response', { requestId: first.input.requestId, approved: true, args: { amount: 5 }, grant: {} });
    expect(edited).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const noActions = await emitAck(reviewer, 'approval.response', { requestId: first.input.requestId, approved: true, grant: { match: { resources: ['/tmp/*'] } } });
    expect(noActions).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const malformed = await emitAck(reviewer, 'approval.response', { requestId: first.input.requestId, approved: true, grant: { effect: 'maybe' } });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    expect((await t.record(first.input.requestId))?.status).toBe('pending');
    expect(await grants(t)).toEqual([]);
  });
});

describe('grant events reach only reviewers of the grant’s queue', () => {
  it('a reviewer of another queue hears nothing of a grant', async () => {
    t = await startTestHub();
    const ops = t.connectReviewer(tokens.ops);
    await emitAck(ops, 'queue.subscribe', {});
    const heard = collect<Grant>(ops, 'grant.created');
    const all = t.connectReviewer(tokens.reviewer2);
    await emitAck(all, 'queue.subscribe', {});
    const created = once<Grant>(all, 'grant.created');
    const first = await ask(t, { toolName: 'noop', args: {} });
    await decideWithGrant(t, first.input.requestId, { approved: true, grant: {} });
    await created;
    await eventually(async () => (await grants(t)).length === 1);
    expect(heard).toEqual([]);
  });
});
