import type { Locator, Page } from '@playwright/test';
import { mintDecisionLink } from '../fixtures/decision-links.js';
import { e2eTokens, expect, test } from '../fixtures/test.js';

interface Box {
  readonly name: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly scrollWidth: number;
  readonly clientWidth: number;
}

/** The boxes of the visible controls among `controls`, as Chromium laid them out. */
async function boxesOf(controls: Locator): Promise<Box[]> {
  return controls.evaluateAll((elements) =>
    elements
      .filter((e) => (e as HTMLElement).offsetParent !== null)
      .map((e) => {
        const r = e.getBoundingClientRect();
        return { name: (e.textContent ?? '').trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
      }),
  );
}

/** No two controls overlap, none clips its label (scrollWidth ≤ clientWidth), all inside the screen. */
async function expectLaidOut(page: Page, controls: Locator, names: readonly string[]): Promise<void> {
  const boxes = await boxesOf(controls);
  const width = page.viewportSize()!.width;
  // A name as shown, the key hint (hidden on touch screens, still in the text) aside.
  for (const name of names) expect(boxes.some((b) => b.name.startsWith(name)), `a control named “${name}”`).toBe(true);
  for (const box of boxes) {
    expect.soft(box.scrollWidth, `${box.name}: label clipped`).toBeLessThanOrEqual(box.clientWidth);
    expect.soft(box.left, `${box.name}: left edge`).toBeGreaterThanOrEqual(0);
    expect.soft(box.right, `${box.name}: right edge`).toBeLessThanOrEqual(width);
  }
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const apart = a.right <= b.left + 0.5 || b.right <= a.left + 0.5 || a.bottom <= b.top + 0.5 || b.bottom <= a.top + 0.5;
      expect.soft(apart, `“${a.name}” overlaps “${b.name}”`).toBe(true);
    }
  }
}

for (const width of [360, 390, 430]) {
  test.describe(`a phone ${width} px wide`, () => {
    test.use({ viewport: { width, height: 800 }, hasTouch: true, isMobile: true });

    test('decision controls never overlap or clip; a flagged row keeps its tool name; Grants are cards', async ({ console: alice, agents, hub, hubApi, page }, testInfo) => {
      const agent = agents.connect('ops-agent');
      agent.requestApproval({ toolName: 'scale_down', args: { deployment: 'checkout', replicas: 0 }, runId: 'run-ph', risk: 'high', queue: 'ops', timeoutMs: 300_000 });
      agent.requestApproval({
        toolName: 'send_invoice',
        args: { file: 'invoice\u202Efdp.exe', to: 'billing@example.com' },
        summary: 'Send invoice\u202Efdp.exe',
        runId: 'run-ph',
        queue: 'ops',
        timeoutMs: 301_000,
      });
      await expect(alice.rows).toHaveCount(2);

      // The flagged row: its tool name is on screen whole, whatever tags it carries.
      const flagged = alice.row('send_invoice');
      await expect(flagged).toContainText('Suspicious');
      const tool = await flagged.locator('[id$="-tool"]').evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { width: r.width, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth, text: e.textContent };
      });
      expect(tool.text).toBe('send_invoice');
      expect(tool.width).toBeGreaterThan(0);
      expect(tool.scrollWidth).toBeLessThanOrEqual(tool.clientWidth);

      // The decision bar, plain and with the high-risk confirmation armed.
      await alice.row('scale_down').tap();
      await expect(alice.detailTitle).toHaveText('scale_down');
      await alice.waitUntilDecidable();
      // The decision bar (the sticky footer of the open request; the body scrolls beneath it).
      const bar = alice.details.locator('footer').getByRole('button');
      await expectLaidOut(page, bar, ['Approve', 'Deny', 'Edit & approve', 'Approve & allow similar…']);
      await alice.approveButton.tap();
      const confirm = alice.details.getByRole('button', { name: 'Confirm approval' });
      await expect(confirm).toBeVisible();
      await expectLaidOut(page, bar, ['Confirm approval', 'Cancel']);
      await alice.details.getByRole('button', { name: 'Cancel', exact: true }).tap();

      // "Approve & allow similar": its own buttons, armed too.
      await alice.allowSimilarButton.tap();
      const allow = alice.allowSimilarForm.getByRole('button', { name: 'Approve & allow', exact: true });
      await allow.tap();
      await expect(alice.allowSimilarForm.getByRole('button', { name: 'Confirm: approve & allow similar' })).toBeVisible();
      await expectLaidOut(page, alice.allowSimilarForm.getByRole('button'), ['Confirm: approve & allow similar', 'Cancel']);
      await alice.allowSimilarForm.getByRole('button', { name: 'Cancel' }).tap();

      // Edit & approve: "Approve edited arguments" and its neighbours.
      await alice.editButton.tap();
      await alice.argsEditor.fill(JSON.stringify({ deployment: 'checkout', replicas: 1 }, null, 2));
      await expect(alice.approveEditedButton).toBeEnabled();
      await expectLaidOut(page, bar, ['Approve edited arguments', 'Cancel edit', 'Reset']);
      await alice.approveEditedButton.tap();
      await expect(alice.details.getByRole('button', { name: 'Confirm: approve edited arguments' })).toBeVisible();
      await expectLaidOut(page, bar, ['Confirm: approve edited arguments', 'Cancel edit', 'Reset']);
      await alice.details.getByRole('button', { name: 'Cancel edit' }).tap();

      // The decision link page, with "Confirm approval" armed.
      const record = await hubApi.byTool('scale_down');
      const link = await mintDecisionLink(record, 'alice');
      const linkPage = await page.context().newPage();
      await linkPage.goto(`${hub.url}${link.path}`);
      const linkApprove = linkPage.getByRole('button', { name: 'Approve', exact: true });
      await linkApprove.tap();
      await expect(linkPage.getByRole('button', { name: 'Confirm approval' })).toBeVisible();
      await expectLaidOut(linkPage, linkPage.locator('footer').getByRole('button'), ['Confirm approval', 'Deny', 'Cancel']);
      await linkPage.close();

      // Grants as cards: a grant made with a decision, then the view, nothing wider than the screen.
      const invoice = await hubApi.byTool('send_invoice');
      const decided = await hub.api('POST', `/api/approvals/${invoice.requestId}/decision`, e2eTokens.reviewer, { approved: true, grant: { ttlMs: 3_600_000 } });
      expect(decided.status).toBe(200);
      await alice.details.getByRole('button', { name: /Back to queue/ }).tap();
      await alice.openGrants();
      const revoke = page.getByRole('button', { name: /^Revoke/ });
      await expect(revoke).toBeVisible();
      const box = (await revoke.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await expectLaidOut(page, revoke, []);
      if (width === 390) await page.screenshot({ path: testInfo.outputPath('grants-390.png'), fullPage: true });
    });
  });
}

test('the Grants view on a desktop', async ({ console: alice, agents, hub, hubApi, page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const agent = agents.connect('ops-agent');
  agent.requestApproval({ toolName: 'read_report', args: { path: '/reports/q1.pdf' }, runId: 'run-gd', queue: 'ops', onBehalfOf: '*', timeoutMs: 300_000 });
  await expect(alice.rows).toHaveCount(1);
  const record = await hubApi.byTool('read_report');
  expect((await hub.api('POST', `/api/approvals/${record.requestId}/decision`, e2eTokens.reviewer, { approved: true, grant: { ttlMs: 3_600_000 } })).status).toBe(200);
  await alice.openGrants();
  await expect(alice.grantsTable.getByRole('row')).toHaveCount(2);
  await page.screenshot({ path: testInfo.outputPath('grants-desktop.png') });
});
