import { e2eTokens, expect, leaveWaiting, test } from '../fixtures/test.js';

test('who asked is the token, not the name an agent gives itself', async ({ console: alice, agents, hubApi }) => {
  // The real `trusted-ci`, and an agent with the shared `e2e-agents` token that calls itself `trusted-ci` too.
  const real = agents.connect('trusted-ci');
  const impostor = agents.connect('trusted-ci', e2eTokens.agent);
  leaveWaiting(real.requestApproval({ toolName: 'ship_release', args: { version: '2.4.0' }, runId: 'run-real', timeoutMs: 300_000 }));
  leaveWaiting(impostor.requestApproval({ toolName: 'ship_hotfix', args: { version: '2.4.0-evil' }, runId: 'run-fake', timeoutMs: 300_000 }));

  // The row names the principal; the label is only there as a claim.
  await expect(alice.row('ship_release', 'trusted-ci')).toBeVisible();
  await expect(alice.row('ship_hotfix', 'e2e-agents', { claims: 'trusted-ci' })).toBeVisible();
  await alice.select('ship_hotfix');
  await expect(alice.detailValue('Agent')).toHaveText('e2e-agents · claims “trusted-ci”');

  // Filtering by agent goes by the principal: the impostor does not hide among the real one.
  const agentFilter = alice.page.getByRole('combobox', { name: 'Agent' });
  await agentFilter.selectOption('trusted-ci');
  await expect(alice.rows).toHaveCount(1);
  await expect(alice.row('ship_release', 'trusted-ci')).toBeVisible();
  await agentFilter.selectOption('e2e-agents');
  await expect(alice.rows).toHaveCount(1);
  await expect(alice.row('ship_hotfix')).toBeVisible();
  await agentFilter.selectOption('');
  await expect(alice.rows).toHaveCount(2);

  await alice.deny('ship_hotfix', 'Not who it says it is');
  await expect(alice.notice('Denied ship_hotfix from e2e-agents (claims “trusted-ci”).')).toBeVisible();
  expect(await hubApi.byTool('ship_hotfix')).toMatchObject({ status: 'denied', agent: { name: 'e2e-agents' }, agentName: 'trusted-ci' });

  await alice.openHistory();
  await expect(alice.historyCell('ship_hotfix', 'Agent')).toHaveText('e2e-agents · claims “trusted-ci”');
});
