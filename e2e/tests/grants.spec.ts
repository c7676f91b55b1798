import type { ApprovalRecord, Grant } from '@approval-hub/protocol';
import { e2eTokens } from '../fixtures/hub-process.js';
import { expect, test } from '../fixtures/test.js';

test.describe('standing grants', () => {
  test('Approve & allow similar: the preview says what it covers, the next similar call runs without a reviewer, and revoking stops it', async ({ console: alice, agents, hub }) => {
    const ops = agents.connect('ops-agent');
    await ops.waitUntilConnected();
    const first = agents.run(ops, { toolName: 'read_report', args: { path: '/reports/q1.pdf', pages: 3 }, queue: 'ops' });

    await alice.select('read_report');
    await alice.allowSimilarButton.click();
    await expect(alice.grantPreview).toHaveText('Allow “read_report” by agent “ops-agent” in queue “ops” when path is “/reports/q1.pdf”, pages is 3, for 1 hour.');
    await alice.allowSimilarForm.getByRole('combobox', { name: 'Scope of path' }).selectOption('glob');
    await alice.allowSimilarForm.getByRole('textbox', { name: 'Pattern for path' }).fill('/reports/*');
    await alice.allowSimilarForm.getByRole('combobox', { name: 'Scope of pages' }).selectOption('any');
    await expect(alice.grantPreview).toHaveText('Allow “read_report” by agent “ops-agent” in queue “ops” when path matches “/reports/*”, pages is anything, for 1 hour.');
    await alice.allowSimilarForm.getByRole('button', { name: 'Approve & allow' }).click();
    await expect(alice.notice('Approved read_report from ops-agent and allowed similar calls: Allow “read_report” by agent “ops-agent” in queue “ops” when path matches “/reports/*”, pages is anything, for 1 hour.')).toBeVisible();
    expect(await first.call()).toMatchObject({ approval: 'approved', executed: true });

    // The next similar call is decided by the grant: it never reaches the queue.
    const second = agents.run(ops, { toolName: 'read_report', args: { path: '/reports/q2.pdf', pages: 10 }, queue: 'ops' });
    expect(await second.call()).toMatchObject({ approval: 'approved', executed: true });
    await expect(alice.allClear).toBeVisible();
    const { body } = await hub.api<{ items: ApprovalRecord[] }>('GET', '/api/approvals?toolName=read_report', e2eTokens.admin);
    expect(body.items.find((r) => r.args.path === '/reports/q2.pdf')?.decision?.decidedBy).toMatchObject({ kind: 'grant', grantedBy: { id: 'alice' } });

    // The Grants view: who granted what, in plain words, with its uses; revoking takes effect at once.
    await alice.openGrants();
    const row = alice.grantsTable.getByRole('row').filter({ hasText: 'path matches “/reports/*”' });
    await expect(row).toContainText('you');
    await expect(row).toContainText('used 1 time');
    await row.getByRole('button', { name: /^Revoke/ }).click();
    await expect(alice.notice(/Grant revoked/)).toBeVisible();
    await expect(row).toHaveCount(0);
    const grants = await hub.api<{ items: Grant[] }>('GET', '/api/grants?status=revoked', e2eTokens.admin);
    expect(grants.body.items).toHaveLength(1);

    const third = agents.run(ops, { toolName: 'read_report', args: { path: '/reports/q3.pdf', pages: 1 }, queue: 'ops' });
    await alice.openQueue();
    await expect(alice.row('read_report', 'ops-agent')).toBeVisible();
    await alice.deny('read_report');
    expect(await third.call()).toMatchObject({ approval: 'denied', executed: false });
  });
});

test.describe('two-person approval', () => {
  test.use({ hubOptions: { approval: { quorum: [{ rule: 'two-person', match: { toolName: 'wire_funds' }, approvals: 2 }] } } });

  test('the first approval is counted and shown to both reviewers; the same reviewer cannot approve twice; the second approves', async ({ console: alice, reviewers, agents }) => {
    const billing = agents.connect('billing-agent');
    const run = agents.run(billing, { toolName: 'wire_funds', args: { to: 'ACME', amount: 25_000 }, queue: 'billing' });
    const bob = await reviewers.open();

    await expect(alice.row('wire_funds')).toContainText('0 of 2 approvals');
    await alice.select('wire_funds');
    await expect(alice.quorumProgress).toHaveText('0 of 2 approvals');
    await expect(alice.allowSimilarButton).toHaveCount(0);
    await alice.approveButton.click();
    await expect(alice.notice(/Your approval of wire_funds from billing-agent was counted: 1 of 2 approvals — approved by you/)).toBeVisible();
    await expect(alice.quorumProgress).toHaveText('1 of 2 approvals — approved by you');
    await expect(alice.approveButton).toBeDisabled();
    await expect(alice.details).toContainText('You already approved this request');

    await expect(bob.row('wire_funds')).toContainText('1 of 2 approvals');
    await bob.select('wire_funds');
    await expect(bob.quorumProgress).toHaveText('1 of 2 approvals — approved by Alice Reviewer');
    await bob.approveButton.click();
    await expect(bob.notice('Approved wire_funds from billing-agent.')).toBeVisible();
    await expect(alice.row('wire_funds')).toHaveCount(0);
    expect(await run.call()).toMatchObject({ approval: 'approved', executed: true });
  });
});
