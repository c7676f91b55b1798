import type { ApprovalRecord, ApprovalResponse } from '@approval-hub/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { api, collect, emitAck, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';

/**
 * Two hub nodes on one PostgreSQL database and no Socket.IO adapter between them: new and resolved requests reach the
 * other node's reviewers and agents through the store's change notice alone (one read per notice), each event once.
 */
describe('fan-out across hub nodes from the change notice', () => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    // The node that made the database drops it: close it last.
    for (const hub of hubs.splice(0).reverse()) await hub.close();
  });

  it('a request made on node B reaches node A’s reviewer live, and B’s decision reaches A’s reviewer and A’s agent socket, once each', async () => {
    const a = await startTestHub({}, { database: 'postgres' });
    hubs.push(a);
    const b = await startTestHub({}, { database: 'postgres', dir: a.dir });
    hubs.push(b);

    const reviewers = [a.connectReviewer(), b.connectReviewer()];
    for (const reviewer of reviewers) expect(await emitAck(reviewer, 'queue.subscribe', {})).toMatchObject({ ok: true });
    const requested = reviewers.map((reviewer) => collect<ApprovalRecord>(reviewer, 'approval.request'));
    const resolved = reviewers.map((reviewer) => collect<ApprovalRecord>(reviewer, 'approval.resolved'));
    // The same agent on node A too: a decision goes to every socket of its principal, on every node.
    const agentOnA = a.connectAgent();
    const deliveredOnA: ApprovalResponse[] = [];
    agentOnA.on('approval.response', (payload, ack) => {
      deliveredOnA.push(payload);
      ack({ ok: true, data: { requestId: payload.requestId } });
    });
    // A's listening connection starts in the background: wait until a request made on B shows on A.
    const probe = newRequest();
    expect(await emitAck(b.connectAgent(), 'approval.request', probe)).toMatchObject({ ok: true });
    await eventually(() => requested[0]!.some((r) => r.requestId === probe.requestId));

    const input = newRequest({ toolName: 'restart', args: { service: 'api' } });
    expect(await emitAck(b.connectAgent(), 'approval.request', input)).toMatchObject({ ok: true, data: { status: 'pending' } });
    await eventually(() => requested.every((seen) => seen.some((r) => r.requestId === input.requestId)));
    expect((await api(b, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: true })).status).toBe(200);
    await eventually(() => resolved.every((seen) => seen.some((r) => r.requestId === input.requestId)));
    await eventually(() => deliveredOnA.some((r) => r.requestId === input.requestId));
    await new Promise((resolve) => setTimeout(resolve, 200));

    for (const seen of requested) expect(seen.filter((r) => r.requestId === input.requestId)).toMatchObject([{ requestId: input.requestId, status: 'pending', toolName: 'restart' }]);
    for (const seen of resolved) expect(seen.filter((r) => r.requestId === input.requestId)).toMatchObject([{ requestId: input.requestId, status: 'approved' }]);
    expect(deliveredOnA.filter((r) => r.requestId === input.requestId)).toMatchObject([{ requestId: input.requestId, approved: true }]);
  });

  it('a request a policy decides as it arrives on node B shows on node A’s reviewer as resolved, once, and never as pending', async () => {
    const approval = { policies: [{ rule: 'reads-are-fine', match: { toolName: 'read_file' }, action: 'approve' as const }] };
    const a = await startTestHub({ approval }, { database: 'postgres' });
    hubs.push(a);
    const b = await startTestHub({ approval }, { database: 'postgres', dir: a.dir });
    hubs.push(b);

    const reviewer = a.connectReviewer();
    expect(await emitAck(reviewer, 'queue.subscribe', {})).toMatchObject({ ok: true });
    const requested = collect<ApprovalRecord>(reviewer, 'approval.request');
    const resolved = collect<ApprovalRecord>(reviewer, 'approval.resolved');
    const probe = newRequest();
    expect(await emitAck(b.connectAgent(), 'approval.request', probe)).toMatchObject({ ok: true });
    await eventually(() => requested.some((r) => r.requestId === probe.requestId));

    const input = newRequest({ toolName: 'read_file', args: { path: 'README.md' } });
    expect(await emitAck(b.connectAgent(), 'approval.request', input)).toMatchObject({ ok: true, data: { status: 'approved' } });
    await eventually(() => resolved.some((r) => r.requestId === input.requestId));
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(resolved.filter((r) => r.requestId === input.requestId)).toMatchObject([{ requestId: input.requestId, status: 'approved' }]);
    expect(requested.filter((r) => r.requestId === input.requestId)).toEqual([]);
  });
});
