import AxeBuilder from '@axe-core/playwright';
import type { ApprovalRecord } from '@approval-hub/protocol';
import type { Locator, Page } from '@playwright/test';
import { mintDecisionLink } from '../fixtures/decision-links.js';
import { e2eTokens, expect, test } from '../fixtures/test.js';

// A phone: 390×844, touch, mobile viewport. Every test here taps, never clicks.
test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

/** Nothing on the page is wider than the screen (no sideways scrolling of the page itself). */
async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
}

/** Every visible button, link and form field is at least 44 px tall (and buttons 44 px wide), and inside the screen. */
async function expectTouchTargets(scope: Locator | Page): Promise<void> {
  const page = 'page' in scope ? scope.page() : scope;
  const width = page.viewportSize()!.width;
  const targets = scope.locator('button:visible, a[href]:visible, select:visible, textarea:visible, input:not([type=checkbox]):visible, summary:visible');
  const boxes = await targets.evaluateAll((elements) =>
    elements.map((e) => {
      const r = e.getBoundingClientRect();
      return { what: `${e.tagName.toLowerCase()} “${(e.textContent ?? '').trim().slice(0, 30) || e.getAttribute('aria-label') || ''}”`, height: r.height, width: r.width, left: r.left, right: r.right, button: e.tagName === 'BUTTON' };
    }),
  );
  expect(boxes.length).toBeGreaterThan(0);
  for (const box of boxes) {
    expect.soft(box.height, `${box.what} height`).toBeGreaterThanOrEqual(44);
    if (box.button) expect.soft(box.width, `${box.what} width`).toBeGreaterThanOrEqual(44);
    expect.soft(box.left, `${box.what} left edge`).toBeGreaterThanOrEqual(0);
    expect.soft(box.right, `${box.what} right edge`).toBeLessThanOrEqual(width);
  }
}

async function expectInViewport(page: Page, locator: Locator): Promise<void> {
  const box = (await locator.boundingBox())!;
  const viewport = page.viewportSize()!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
}

test.describe('decision links on a phone', () => {
  test('a link decides once: the page shows the request, Approve (high risk: twice) decides, a reuse is refused', async ({ page, hub, agents, hubApi }) => {
    const agent = agents.connect('ops-agent');
    const decision = agent.requestApproval({ toolName: 'scale_down_link', args: { deployment: 'checkout', replicas: 0, namespace: 'prod' }, runId: 'run-link-1', risk: 'high', summary: 'Scale checkout to zero', queue: 'ops', timeoutMs: 120_000 });
    await expect.poll(() => hubApi.pending().then((p) => p.some((r) => r.toolName === 'scale_down_link'))).toBe(true);
    const record = await hubApi.byTool('scale_down_link');
    const link = await mintDecisionLink(record, 'alice');

    await page.goto(`${hub.url}${link.path}`);
    await expect(page.getByRole('heading', { name: 'scale_down_link', level: 1 })).toBeVisible();
    await expect(page.getByText('Decide as Alice Reviewer')).toBeVisible();
    await expect(page.locator('[data-risk="high"]')).toContainText('High risk');
    await expect(page.getByText('Scale checkout to zero')).toBeVisible();
    const args = page.getByRole('region', { name: 'Arguments' });
    await expect(args).toContainText('"deployment": "checkout"');
    await expect(args).toContainText('"replicas": 0');
    const approve = page.getByRole('button', { name: 'Approve', exact: true });
    const deny = page.getByRole('button', { name: 'Deny', exact: true });
    // The arguments come before the buttons, and the buttons are on screen without scrolling.
    expect((await args.boundingBox())!.y).toBeLessThan((await approve.boundingBox())!.y);
    await expectInViewport(page, approve);
    await expectInViewport(page, deny);
    await expectNoHorizontalOverflow(page);
    await expectTouchTargets(page);
    await expect(page.locator('kbd:visible')).toHaveCount(0);
    // No serious or critical accessibility violations on the link page (WCAG 2.x A and AA rules, as the console).
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);

    await page.getByRole('textbox', { name: /^Reason/ }).fill('Checked with on-call');
    await approve.tap();
    // High risk asks for a second press, as in the console.
    await expect(page.getByText('High risk: press “Confirm approval” to approve, or Cancel.')).toBeVisible();
    expect((await hubApi.approval(record.requestId)).status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm approval' }).tap();
    await expect(page.getByRole('heading', { name: 'You approved this request' })).toBeVisible();
    expect(await decision).toMatchObject({ approved: true, reason: 'Checked with on-call', decidedBy: { kind: 'reviewer', id: 'alice' } });
    expect((await hubApi.audit(record.requestId)).find((e) => e.type === 'decided')).toMatchObject({ actor: { id: 'alice' }, data: { via: 'decision_link' } });

    // Opened again: the link was used, and the page says what it decided.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'This link was already used' })).toBeVisible();
    await expect(page.getByRole('status')).toContainText('approved by Alice Reviewer — “Checked with on-call”');
    await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
    // And the API refuses a second use.
    const again = await fetch(`${hub.url}/api/decision-links/${link.token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ approved: false }) });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('already_decided');
    await expectNoHorizontalOverflow(page);
  });

  test('a request decided elsewhere shows that decision; a tampered link is not valid', async ({ page, hub, agents, hubApi }) => {
    const agent = agents.connect('billing-agent');
    const decision = agent.requestApproval({ toolName: 'refund_link', args: { order: 'A-1001', amount: 80 }, runId: 'run-link-2', queue: 'billing', timeoutMs: 120_000 });
    await expect.poll(() => hubApi.pending().then((p) => p.some((r) => r.toolName === 'refund_link'))).toBe(true);
    const record: ApprovalRecord = await hubApi.byTool('refund_link');
    const link = await mintDecisionLink(record, 'alice');

    // Opened before: the page shows the request, open.
    await page.goto(`${hub.url}${link.path}`);
    await expect(page.getByRole('button', { name: 'Deny', exact: true })).toBeVisible();
    // Bob decides in his console (here: the REST API) while the page is open.
    const decided = await hub.api('POST', `/api/approvals/${record.requestId}/decision`, e2eTokens.reviewer2, { approved: false, reason: 'Duplicate refund' });
    expect(decided.status).toBe(200);
    expect(await decision).toMatchObject({ approved: false, decidedBy: { id: 'bob' } });
    // Alice taps Deny on the stale page: the page now says who decided, and nothing changed.
    await page.getByRole('button', { name: 'Deny', exact: true }).tap();
    await expect(page.getByRole('heading', { name: 'Already decided elsewhere' })).toBeVisible();
    await expect(page.getByRole('status')).toContainText('denied by Bob Reviewer — “Duplicate refund”');
    expect((await hubApi.approval(record.requestId)).decision).toMatchObject({ decidedBy: { id: 'bob' }, reason: 'Duplicate refund' });

    // A fresh page on the same link says the same.
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Already decided elsewhere' })).toBeVisible();

    // A link whose signature does not hold.
    await page.goto(`${hub.url}${link.path.slice(0, -6)}AAAAAA`);
    await expect(page.getByRole('heading', { name: 'This link is not valid' })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    // The console's security headers hold on the link page too.
    const response = await page.request.get(`${hub.url}${link.path}`);
    expect(response.headers()['content-security-policy']).toContain("connect-src 'self'");
    expect(response.headers()['referrer-policy']).toBe('no-referrer');
  });
});

test.describe('the console on a phone', () => {
  test('clear a queue with touch: every control reachable, arguments before the buttons, history readable', async ({ console: alice, page, agents }) => {
    const agent = agents.connect('batch-agent');
    const tools = ['rotate_key_phone', 'purge_cache_phone', 'restart_worker_phone', 'drop_index_phone'];
    const decisions = tools.map((toolName, i) => agent.requestApproval({ toolName, args: { target: `svc-${i}`, region: 'eu-west-1', note: 'x'.repeat(40) }, runId: `run-phone-${i}`, summary: `Phone request ${i}`, timeoutMs: 120_000 }));
    await expect(alice.rows).toHaveCount(4);

    // The header: nothing cut off, sign out on screen, no keyboard hints.
    await expectNoHorizontalOverflow(page);
    await expectInViewport(page, alice.signOutButton);
    await alice.expectConnection('Connected');
    await expectInViewport(page, alice.connection);
    await expect(page.locator('kbd:visible')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /Shortcuts/ })).toBeHidden();
    // The browser-notification settings open inside the screen.
    await page.getByText('Alerts', { exact: true }).tap();
    const popover = page.locator('.notify-settings .popover');
    await expect(popover).toBeVisible();
    await expectInViewport(page, popover);
    await expectNoHorizontalOverflow(page);
    await page.getByText('Alerts', { exact: true }).tap();
    await expect(popover).toBeHidden();
    // The queue has the room: all four rows on screen at once.
    for (const row of await alice.rows.all()) await expectInViewport(page, row);
    await expectTouchTargets(page);

    // Clear it: open the first, decide, the next opens; alternate approve and deny.
    for (let i = 0; i < tools.length; i++) {
      // After a decision the next request opens by itself; if none did, open the first.
      if (!(await alice.detailTitle.isVisible())) await alice.rows.first().tap();
      await expect(alice.detailTitle).toBeVisible();
      await expect(alice.rows.first()).toBeHidden(); // the open request covers the list
      await expect(alice.detailArguments).toContainText('"region": "eu-west-1"');
      // Arguments come before the buttons, and the buttons stay on screen.
      expect((await alice.detailArguments.boundingBox())!.y).toBeLessThan((await alice.approveButton.boundingBox())!.y);
      await expectInViewport(page, alice.approveButton);
      await expectInViewport(page, alice.denyButton);
      await expectNoHorizontalOverflow(page);
      if (i === 0) await expectTouchTargets(alice.details);
      await expect(alice.details.locator('kbd:visible')).toHaveCount(0);
      await (i % 2 === 0 ? alice.approveButton : alice.denyButton).tap();
      // The list is under the open request: the count in the header says how many are left.
      await expect(alice.queueLink).toHaveText(new RegExp(`^Queue\\s*${tools.length - i - 1}$`));
    }
    await expect(alice.allClear).toBeVisible();
    const results = await Promise.all(decisions);
    // Two approved, two denied (the queue's order, by deadline, decides which).
    expect(results.filter((d) => d.approved)).toHaveLength(2);
    expect(results.filter((d) => !d.approved)).toHaveLength(2);

    // Back to the list from an open request.
    const extra = agent.requestApproval({ toolName: 'late_phone', args: { n: 1 }, runId: 'run-phone-late', timeoutMs: 120_000 });
    await alice.rows.first().tap();
    await page.getByRole('button', { name: 'Back to queue' }).tap();
    await expect(alice.rows).toHaveCount(1);
    await expect(alice.details).toBeHidden();
    await alice.rows.first().tap();
    await alice.approveButton.tap();
    expect(await extra).toMatchObject({ approved: true });

    // History: one card per decision, every card inside the screen.
    await alice.historyLink.tap();
    await expect(alice.historyHeading).toBeVisible();
    const cards = alice.historyTable.locator('tbody tr');
    await expect(cards).toHaveCount(5);
    await expectNoHorizontalOverflow(page);
    for (const card of await cards.all()) {
      const box = (await card.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(390);
    }
    // Each value is labelled on its card (the table's header row is off screen).
    const labels = await cards.first().locator('td').evaluateAll((cells) => cells.map((td) => getComputedStyle(td, '::before').content));
    expect(labels).toEqual(['"Status"', '"Tool"', '"Risk"', '"Agent"', '"Queue"', '"Decided by"', '"Decided"', '"Created"', '"Time to decision"', '"Reason"']);
    await expect(cards.first()).toContainText('you');
    await expectTouchTargets(alice.historyTable);

    // Sign out is reachable with a tap.
    await alice.signOutButton.tap();
    await expect(alice.signInHeading).toBeVisible();
    await expectNoHorizontalOverflow(page);
  });
});
