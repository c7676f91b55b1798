import { expect, test } from '../fixtures/test.js';

test.describe('a reviewer decides what an agent asks', () => {
  test('the request is live within a second; Approve runs the tool, and History says who and when', async ({ console: alice, agents, hubApi }) => {
    const ops = agents.connect('ops-agent');
    await ops.waitUntilConnected();
    const args = { name: 'web-1', namespace: 'prod' };
    const run = agents.run(ops, { toolName: 'delete_pod', args, queue: 'ops', timeoutMs: 120_000 });

    // 1. Within a second: tool, agent, queue, arguments, and a countdown that runs.
    const row = alice.row('delete_pod', 'ops-agent');
    await expect(row).toBeVisible({ timeout: 1_000 });
    await expect(row).toContainText('queue ops');
    await expect(row).toContainText('name: "web-1", namespace: "prod"');
    await expect(row).toHaveAccessibleDescription(/^(2m 00s|1m 5\ds) left$/);
    await expect(row).toHaveAccessibleDescription(/^1m 5[0-8]s left$/);

    await alice.select('delete_pod');
    await expect(alice.detailArguments).toContainText('"name": "web-1"');
    await expect(alice.detailArguments).toContainText('"namespace": "prod"');
    expect(run.executions).toEqual([]);

    // 2. Approve: the agent gets `approved`, its tool runs with the requested arguments, the row leaves.
    await alice.approveButton.click();
    await expect(row).toHaveCount(0);
    await expect(alice.notice('Approved delete_pod from ops-agent.')).toBeVisible();
    await expect(alice.allClear).toBeVisible();
    expect(await run.call()).toMatchObject({ approval: 'approved', executed: true, args });
    expect(run.executions).toEqual([args]);

    const record = await hubApi.byTool('delete_pod');
    expect(record).toMatchObject({
      status: 'approved',
      decision: { approved: true, modified: false, decidedBy: { kind: 'reviewer', id: 'alice', name: 'Alice Reviewer' } },
    });
    // The agent acknowledged the decision.
    await expect.poll(async () => (await hubApi.audit(record.requestId)).map((e) => e.type)).toContain('delivered');

    // History: approved, by this reviewer, at the hub's decision time.
    await alice.openHistory();
    await expect(alice.historyCell('delete_pod', 'Status')).toHaveText('Approved');
    await expect(alice.historyCell('delete_pod', 'Decided by')).toHaveText('you');
    await expect(alice.historyCell('delete_pod', 'Decided').getByRole('time')).toHaveAttribute('datetime', record.decision!.decidedAt);
    await alice.openTimeline('delete_pod');
    await expect(alice.timeline).toContainText('approved by you');
    await expect(alice.timeline.getByRole('listitem').filter({ hasText: 'Decided' })).toContainText('by reviewer Alice Reviewer');
    await expect(alice.timeline.getByRole('listitem').filter({ hasText: 'Delivered to the agent' })).toHaveCount(1);
  });

  test('Deny with a reason: the agent gets the denial and the model reads [DENIED] <reason>', async ({ console: alice, agents, hubApi }) => {
    const billing = agents.connect('billing-agent');
    const run = agents.run(billing, { toolName: 'send_payment', args: { vendor: 'Acme', amount: 4200, currency: 'EUR' }, queue: 'billing' });
    const reason = 'Invoice 118 was already paid last week';

    await alice.deny('send_payment', reason);
    await expect(alice.notice('Denied send_payment from billing-agent.')).toBeVisible();

    const call = await run.call();
    expect(call).toMatchObject({ approval: 'denied', executed: false, reason, result: `[DENIED] ${reason}` });
    expect(run.executions).toEqual([]);
    expect(await hubApi.byTool('send_payment')).toMatchObject({ status: 'denied', decision: { approved: false, reason } });

    await alice.openHistory();
    await expect(alice.historyCell('send_payment', 'Status')).toHaveText('Denied');
    await expect(alice.historyCell('send_payment', 'Reason')).toHaveText(reason);
    await expect(alice.historyCell('send_payment', 'Decided by')).toHaveText('you');
  });

  test('Edit & approve: the tool runs with exactly the edited arguments, and History shows the edit', async ({ console: alice, agents, hubApi }) => {
    const ops = agents.connect('ops-agent');
    const requested = { name: 'web-1', namespace: 'prod', gracePeriodSeconds: 0 };
    const edited = { name: 'web-1-canary', namespace: 'staging', gracePeriodSeconds: 30, note: 'ünïcødé ✓' };
    const run = agents.run(ops, { toolName: 'restart_pod', args: requested, queue: 'ops' });

    await alice.select('restart_pod');
    await alice.editButton.click();
    await expect(alice.approveEditedButton).toBeDisabled(); // nothing changed yet
    await alice.argsEditor.fill(JSON.stringify(edited, null, 2));
    const diff = alice.details.getByRole('region', { name: 'Changes to the arguments' });
    await expect(diff).toContainText('removed: "name": "web-1"');
    await expect(diff).toContainText('added: "name": "web-1-canary"');
    await alice.approveEditedButton.click();
    await expect(alice.row('restart_pod')).toHaveCount(0);
    await expect(alice.notice('Approved with edited arguments: restart_pod from ops-agent.')).toBeVisible();

    const call = await run.call();
    expect(call).toMatchObject({ approval: 'edited', executed: true, args: edited, requestedArgs: requested });
    expect(run.executions).toEqual([edited]);
    expect(await hubApi.byTool('restart_pod')).toMatchObject({ status: 'approved', args: requested, decision: { modified: true, args: edited } });

    await alice.openHistory();
    await expect(alice.historyCell('restart_pod', 'Status')).toHaveText('Approved (edited)');
    await alice.openTimeline('restart_pod');
    await expect(alice.timeline).toContainText('approved with edited arguments by you');
    const approvedArgs = alice.timeline.getByRole('region', { name: 'Approved arguments' });
    await expect(approvedArgs).toContainText('"name": "web-1-canary"');
    await expect(approvedArgs).toContainText('"note": "ünïcødé ✓"');
    await expect(alice.timeline.getByRole('region', { name: 'Requested arguments' })).toContainText('"name": "web-1"');
  });
});
