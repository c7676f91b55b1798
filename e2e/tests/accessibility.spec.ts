import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { e2eTokens, expect, leaveWaiting, test } from '../fixtures/test.js';
import { ConsolePage } from '../pages/console-page.js';

/** Serious and critical axe violations on the page as it is now (WCAG 2.x A and AA rules). */
async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}

test('sign-in, queue, detail and history have no serious or critical axe violations', async ({ page, hub, agents }) => {
  // axe walks the whole page five times; on a shared 2-core machine that takes a while.
  test.setTimeout(240_000);
  const reviewer = new ConsolePage(page, hub);
  await reviewer.openSignIn();
  expect(await seriousViolations(page)).toEqual([]);

  const agent = agents.connect('ops-agent');
  leaveWaiting(agent.requestApproval({
    toolName: 'delete_pod',
    args: { name: 'web-1', namespace: 'prod', note: 'x\u202Ey' },
    runId: 'run-a11y',
    risk: 'critical',
    summary: 'Delete pod web-1 in prod',
    context: { rationale: 'The pod is **stuck**; see [runbook](https://runbook.example.com/pods).', turns: [{ role: 'user', content: 'Clean up web-1' }] },
  }));
  leaveWaiting(agent.requestApproval({ toolName: 'send_email', args: { to: 'a@b.test', body: 'y'.repeat(3000) }, runId: 'run-a11y', risk: 'medium' }));
  leaveWaiting(agent.requestApproval({ toolName: 'read_status', args: {}, runId: 'run-a11y', risk: 'low' }));

  await reviewer.signInWithLink(e2eTokens.reviewer);
  await expect(reviewer.rows).toHaveCount(3);
  expect(await seriousViolations(page)).toEqual([]);

  await reviewer.select('delete_pod');
  expect(await seriousViolations(page)).toEqual([]);
  // The critical confirmation open, too.
  await reviewer.approveButton.click();
  await expect(reviewer.details.getByRole('textbox', { name: /Type the tool name/ })).toBeFocused();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');

  await reviewer.select('send_email');
  expect(await seriousViolations(page)).toEqual([]);
  // The "Approve & allow similar…" form open.
  await reviewer.allowSimilarButton.click();
  await expect(reviewer.grantPreview).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await reviewer.openHistory();
  expect(await seriousViolations(page)).toEqual([]);

  await reviewer.openGrants();
  expect(await seriousViolations(page)).toEqual([]);
});

test('every decision action is reachable with the keyboard alone (Tab and keys)', async ({ console: alice, agents, page }) => {
  const agent = agents.connect('ops-agent');
  const decision = agent.requestApproval({ toolName: 'rotate_key', args: { key: 'k'.repeat(2000) }, runId: 'run-kb', risk: 'high' });
  await expect(alice.rows).toHaveCount(1);
  await page.keyboard.press('j');
  await expect(alice.detailTitle).toHaveText('rotate_key');
  // Tab reaches the long value's viewer; End scrolls it; Tab reaches Approve; Enter twice (high risk) approves.
  const viewer = alice.longValue('args.key');
  for (let i = 0; i < 40 && !(await viewer.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(viewer).toBeFocused();
  await page.keyboard.press('End');
  await expect(viewer).toHaveAttribute('data-reached', 'true');
  for (let i = 0; i < 40 && !(await alice.approveButton.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(alice.approveButton).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(alice.details.getByRole('button', { name: 'Confirm approval' })).toBeFocused();
  await page.keyboard.press('Enter');
  expect((await decision).approved).toBe(true);
});
