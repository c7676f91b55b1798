import type { ApprovalResponse } from '@approval-hub/protocol';
import { e2eTokens, expect, test } from '../fixtures/test.js';

test.describe('several reviewers', () => {
  test('two reviewers see the same request; a decision elsewhere is announced; a simultaneous one has exactly one winner', async ({
    console: alice,
    reviewers,
    agents,
    hub,
    hubApi,
  }) => {
    const bob = await reviewers.open(e2eTokens.reviewer2);
    const agent = agents.connect('ops-agent');

    // Alice decides while Bob is looking at the same request.
    const first = agent.requestApproval({ toolName: 'drain_node', args: { node: 'node-7' }, runId: 'run-1', queue: 'ops' });
    await expect(alice.row('drain_node')).toBeVisible();
    await bob.select('drain_node');
    await alice.approve('drain_node');
    await expect(bob.row('drain_node')).toHaveCount(0);
    await expect(bob.notice('drain_node from ops-agent was approved by Alice Reviewer.')).toBeVisible();
    await expect(bob.departedNote).toHaveText('drain_node left the queue: approved by Alice Reviewer.');
    expect(await first).toMatchObject({ approved: true, status: 'approved', decidedBy: { kind: 'reviewer', id: 'alice' } });

    // Both decide the same request at once. The hub is frozen while both click, so both decisions are
    // in flight before either is answered; it then takes them in arrival order, first writer wins.
    const second = agent.requestApproval({ toolName: 'wipe_cache', args: { cluster: 'eu-1' }, runId: 'run-2', queue: 'ops' });
    let delivered = 0;
    // `second` itself is awaited below; this only counts its delivery.
    second.then(
      () => delivered++,
      () => undefined,
    );
    await alice.select('wipe_cache');
    await bob.select('wipe_cache');
    await expect(bob.approveButton).toBeEnabled(); // past the guard that follows an automatic move
    hub.pause();
    try {
      await alice.approveButton.click();
      await bob.denyButton.click();
      await expect(alice.row('wipe_cache')).toContainText('Sending…');
      await expect(bob.row('wipe_cache')).toContainText('Sending…');
    } finally {
      hub.resume();
    }
    await expect(alice.row('wipe_cache')).toHaveCount(0);
    await expect(bob.row('wipe_cache')).toHaveCount(0);

    const record = await hubApi.byTool('wipe_cache');
    const aliceWon = record.decision?.decidedBy.kind === 'reviewer' && record.decision.decidedBy.id === 'alice';
    const [winner, loser] = aliceWon ? [alice, bob] : [bob, alice];
    const winnerName = aliceWon ? 'Alice Reviewer' : 'Bob Reviewer';
    const outcome = aliceWon ? 'approved' : 'denied';
    expect(record.status).toBe(outcome);

    // Exactly one decision recorded; the other attempt was refused and audited.
    const audit = await hubApi.audit(record.requestId);
    expect(audit.filter((e) => e.type === 'decided')).toHaveLength(1);
    expect(audit.filter((e) => e.type === 'decision_rejected')).toHaveLength(1);

    // The winner is thanked, the loser is told who won.
    await expect(winner.notice(`${aliceWon ? 'Approved' : 'Denied'} wipe_cache from ops-agent.`)).toBeVisible();
    await expect(loser.notice(`Too late: wipe_cache from ops-agent was already ${outcome} by ${winnerName}.`)).toBeVisible();

    // The agent receives the winner's decision, once.
    const response: ApprovalResponse = await second;
    expect(response).toMatchObject({ approved: aliceWon, status: outcome, decidedBy: { kind: 'reviewer', name: winnerName } });
    await expect.poll(async () => (await hubApi.audit(record.requestId)).filter((e) => e.type === 'delivered').length).toBe(1);
    expect(delivered).toBe(1);
  });

  test('a reviewer subscribed to ops never sees a billing request, in the queue or in History', async ({
    console: alice,
    reviewers,
    agents,
    hubApi,
  }) => {
    // Everything the hub sends to Olga's console: WebSocket frames, long-polling bodies before the upgrade, REST answers.
    const frames: string[] = [];
    const olga = await reviewers.open(e2eTokens.ops, {
      beforeSignIn: (page) => {
        page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => frames.push(typeof payload === 'string' ? payload : payload.toString())));
        page.on('response', async (response) => {
          if (/\/(socket\.io|api)\//.test(response.url())) frames.push(await response.text().catch(() => ''));
        });
      },
    });
    const agent = agents.connect('mixed-agent');

    const billing = agent.requestApproval({ toolName: 'refund_order', args: { order: 'A-1009' }, runId: 'run-b', queue: 'billing' });
    const ops = agent.requestApproval({ toolName: 'rotate_keys', args: { service: 'api' }, runId: 'run-o', queue: 'ops' });

    // Alice (all queues) sees both; Olga sees ops only, although billing was asked first.
    await expect(alice.row('refund_order')).toBeVisible();
    await expect(alice.row('rotate_keys')).toBeVisible();
    await expect(olga.row('rotate_keys')).toBeVisible();
    await expect(olga.rows).toHaveCount(1);

    const billingRecord = await hubApi.byTool('refund_order');
    // Outside her queues a request is indistinguishable from a missing one.
    expect((await olga.hub.api('GET', `/api/approvals/${billingRecord.requestId}`, e2eTokens.ops)).status).toBe(404);

    await alice.deny('refund_order', 'Refunds go through finance');
    await olga.approve('rotate_keys');
    expect(await billing).toMatchObject({ approved: false, reason: 'Refunds go through finance' });
    expect(await ops).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', id: 'olga' } });

    await olga.openHistory();
    await expect(olga.historyRow('rotate_keys')).toBeVisible();
    await expect(olga.historyTable.getByRole('row')).toHaveCount(2); // the header and rotate_keys
    await expect(olga.historyRow('refund_order')).toHaveCount(0);
    await alice.openHistory();
    await expect(alice.historyRow('refund_order')).toBeVisible();
    await expect(alice.historyRow('rotate_keys')).toBeVisible();

    // Not a single frame or answer to Olga's console mentioned the billing request.
    expect(frames.some((frame) => frame.includes('rotate_keys'))).toBe(true);
    expect(frames.filter((frame) => frame.includes(billingRecord.requestId) || frame.includes('refund_order'))).toEqual([]);
  });
});
