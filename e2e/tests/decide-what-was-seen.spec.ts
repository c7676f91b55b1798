import type { Grant } from '@approval-hub/protocol';
import { e2eTokens, expect, type Page, test } from '../fixtures/test.js';

/** What the page's focus is on: the tag and accessible text of the active element. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName ?? null, text: (el?.textContent ?? '').trim() };
  });

/**
 * Presses `a` twice, `gapMs` apart, timed inside the page: on this shared machine a round trip of Playwright's own can
 * take longer than the console's dwell, which would make the second press a deliberate one. Returns the request the
 * detail showed when the second press came.
 */
const doublePress = (page: Page, gapMs: number) =>
  page.evaluate(async (gap) => {
    const press = () => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
      window.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }));
    };
    press();
    await new Promise((resolve) => setTimeout(resolve, gap));
    const title = document.querySelector('[aria-label="Request details"] h2')?.textContent ?? null;
    press();
    return title;
  }, gapMs);

/** Inside the page: waits until the detail shows `toolName`, then at once runs `act` (a key press or a click). */
const rightAfterMoveTo = (page: Page, toolName: string, act: 'key' | 'click-deny') =>
  page.evaluate(
    ([tool, what]) =>
      new Promise<void>((resolve) => {
        const heading = () => document.querySelector('[aria-label="Request details"] h2');
        const fire = () => {
          if (what === 'key') {
            window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
            window.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', bubbles: true }));
          } else {
            const buttons = Array.from(document.querySelectorAll<HTMLButtonElement>('[aria-label="Request details"] button'));
            const deny = buttons.find((b) => b.textContent?.trim().startsWith('Deny'));
            deny?.click();
          }
          resolve();
        };
        if (heading()?.textContent === tool) return fire();
        const observer = new MutationObserver(() => {
          if (heading()?.textContent !== tool) return;
          observer.disconnect();
          fire();
        });
        observer.observe(document.body, { subtree: true, childList: true, characterData: true });
      }),
    [toolName, act] as const,
  );

test.describe('the console never decides what the reviewer did not see', () => {
  test('pressing `a` twice 150 ms apart approves one request, not also the next one the console moved to', async ({ console: alice, agents, hubApi, page }) => {
    const agent = agents.connect('batch-agent');
    const first = agent.requestApproval({ toolName: 'double_one', args: { n: 1 }, runId: 'run-dbl', risk: 'low', timeoutMs: 300_000 });
    agent.requestApproval({ toolName: 'double_two', args: { n: 2 }, runId: 'run-dbl', risk: 'low', timeoutMs: 301_000 });
    agent.requestApproval({ toolName: 'double_three', args: { n: 3 }, runId: 'run-dbl', risk: 'low', timeoutMs: 302_000 });
    await expect(alice.rows).toHaveCount(3);

    await alice.select('double_one');
    // The double press the issue describes: a second `a` 150 ms after the first. Whether the console has moved on by
    // then (the hub answered) or not, it decides nothing more: the next request is within its dwell, the first in flight.
    const shownAtSecondPress = await doublePress(page, 150);
    expect(['double_one', 'double_two']).toContain(shownAtSecondPress);
    expect((await first).approved).toBe(true);
    await expect(alice.detailTitle).toHaveText('double_two');
    await expect(alice.notice(shownAtSecondPress === 'double_two' ? 'Just opened: take a moment to look at this request before deciding.' : 'A decision for this request is on its way.')).toBeVisible();
    await alice.waitUntilDecidable();
    expect((await hubApi.pending()).map((r) => r.toolName).sort()).toEqual(['double_three', 'double_two']);

    // The same, harder: the next press the instant the console has moved on.
    await alice.waitUntilDecidable();
    const pressed = rightAfterMoveTo(page, 'double_three', 'key');
    await page.keyboard.press('a');
    await pressed;
    await expect(alice.detailTitle).toHaveText('double_three');

    // Once the dwell is over nothing more was decided: one request of the three left after two deliberate approvals.
    await alice.waitUntilDecidable();
    await expect(alice.rows).toHaveCount(1);
    const pending = await hubApi.pending();
    expect(pending.map((r) => r.toolName)).toEqual(['double_three']);
  });

  test('a mouse decision moves focus to the next request’s heading, not its buttons; the keyboard then decides it once looked at', async ({ console: alice, agents, hubApi, page }) => {
    const agent = agents.connect('batch-agent');
    const denied = agent.requestApproval({ toolName: 'mouse_one', args: { n: 1 }, runId: 'run-mk', risk: 'low', timeoutMs: 300_000 });
    const approved = agent.requestApproval({ toolName: 'mouse_two', args: { n: 2 }, runId: 'run-mk', risk: 'low', timeoutMs: 301_000 });
    agent.requestApproval({ toolName: 'mouse_three', args: { n: 3 }, runId: 'run-mk', risk: 'low', timeoutMs: 302_000 });
    await expect(alice.rows).toHaveCount(3);

    await alice.select('mouse_one');
    // A double click on Deny: the second click lands on the next request's Deny, the instant it is on screen.
    const secondClick = rightAfterMoveTo(page, 'mouse_two', 'click-deny');
    await alice.denyButton.click();
    await secondClick;
    expect((await denied).approved).toBe(false);
    await expect(alice.detailTitle).toHaveText('mouse_two');
    // Focus left with the pressed button; it lands on the new request's heading, never on one of its decision buttons.
    await expect(alice.detailTitle).toBeFocused();
    expect(await focused(page)).toEqual({ tag: 'H2', text: 'mouse_two' });
    // Refused: the click came before the new request was even marked as shown, or within its dwell.
    await expect(alice.notice(/(Just opened: take a moment to look at this request|Open the request to review it) before deciding\./)).toBeVisible();
    await expect(alice.row('mouse_two')).toHaveCount(1);

    // …and the keyboard decides it once it has been on screen.
    await alice.waitUntilDecidable();
    await page.keyboard.press('a');
    expect(await approved).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', id: 'alice' } });
    await expect(alice.detailTitle).toHaveText('mouse_three');
    await expect(alice.detailTitle).toBeFocused();
    await alice.waitUntilDecidable();
    await expect(alice.rows).toHaveCount(1);
    expect((await hubApi.pending()).map((r) => r.toolName)).toEqual(['mouse_three']);
  });

  test('"Approve & allow similar" on high risk: confirmed on its own button, approved together with its grant', async ({ console: alice, agents, hub }) => {
    const ops = agents.connect('ops-agent');
    const first = ops.requestApproval({ toolName: 'restart_service', args: { service: 'web', region: 'eu' }, runId: 'run-as', risk: 'high', queue: 'ops', timeoutMs: 300_000 });
    await alice.select('restart_service');
    await alice.allowSimilarButton.click();
    const allow = alice.allowSimilarForm.getByRole('button', { name: 'Approve & allow', exact: true });
    await allow.click();
    // Armed on the button that was pressed: it asks for its own confirmation; nothing decided, no grant yet.
    const confirm = alice.allowSimilarForm.getByRole('button', { name: 'Confirm: approve & allow similar' });
    await expect(confirm).toBeVisible();
    await expect(alice.allowSimilarForm.getByText('High risk: press “Confirm: approve & allow similar” to approve with this grant, or Cancel.')).toBeVisible();
    await expect(alice.details.getByText(/press Approve \(or a\) again/)).toHaveCount(0);
    // Plain Approve does not borrow that confirmation: it arms itself instead of approving without the grant.
    await alice.approveButton.click();
    await expect(alice.details.getByRole('button', { name: 'Confirm approval' })).toBeVisible();
    await expect(alice.row('restart_service')).toHaveCount(1);
    const none = await hub.api<{ items: Grant[] }>('GET', '/api/grants?status=active', e2eTokens.admin);
    expect(none.body.items).toHaveLength(0);

    // Back to the form: its own two presses approve together with the grant.
    await allow.click();
    await confirm.click();
    expect((await first).approved).toBe(true);
    await expect(
      alice.notice('Approved restart_service from ops-agent and allowed similar calls: Allow “restart_service” by agent “ops-agent” in queue “ops” when service is “web”, region is “eu”, for 1 hour.'),
    ).toBeVisible();
    const grants = await hub.api<{ items: Grant[] }>('GET', '/api/grants?status=active', e2eTokens.admin);
    expect(grants.body.items).toHaveLength(1);
    expect(grants.body.items[0]).toMatchObject({ effect: 'allow', grantedBy: { id: 'alice' }, match: { toolName: 'restart_service', args: { service: { equals: 'web' }, region: { equals: 'eu' } } } });
    // The next identical call runs on the grant.
    expect(await ops.requestApproval({ toolName: 'restart_service', args: { service: 'web', region: 'eu' }, runId: 'run-as', risk: 'high', queue: 'ops' })).toMatchObject({
      approved: true,
      decidedBy: { kind: 'grant' },
    });
  });
});

test.describe('a quorum approves what its reviewers saw', () => {
  test.use({ hubOptions: { approval: { quorum: [{ rule: 'two-person', match: { toolName: 'wire_funds' }, approvals: 2 }] } } });

  test('reviewer A edits; reviewer B sees the proposal, its author and its diff, approves it; the agent runs exactly that', async ({
    console: alice,
    reviewers,
    agents,
    page,
  }, testInfo) => {
    const billing = agents.connect('billing-agent');
    const run = agents.run(billing, { toolName: 'wire_funds', args: { to: 'ACME', amount: 25_000 }, queue: 'billing' });
    const bob = await reviewers.open();

    const edited = { to: 'ACME Holdings', amount: 2_500 };
    await alice.select('wire_funds');
    await alice.editButton.click();
    await alice.argsEditor.fill(JSON.stringify(edited, null, 2));
    await alice.approveEditedButton.click();
    await expect(alice.notice(/Your edited arguments for wire_funds from billing-agent were proposed, with your approval: 1 of 2 approvals/)).toBeVisible();

    await bob.select('wire_funds');
    const proposal = bob.details.getByRole('region', { name: 'Proposed edit' });
    await expect(proposal).toBeVisible();
    await expect(proposal.getByRole('heading', { level: 3 })).toHaveText(/Edited arguments will run: proposed by Alice Reviewer/);
    await expect(proposal).toContainText('"to": "ACME Holdings"');
    const diff = proposal.getByRole('region', { name: 'Changes to the arguments' });
    await expect(diff.getByRole('deletion')).toHaveText([/removed:\s+"to": "ACME",$/, /removed:\s+"amount": 25000$/]);
    await expect(diff.getByRole('insertion')).toHaveText([/added:\s+"to": "ACME Holdings",$/, /added:\s+"amount": 2500$/]);
    // The agent's own arguments are still there, below, marked as replaced.
    await expect(bob.detailArguments.getByRole('heading', { level: 3 })).toHaveText('Arguments the agent sent (replaced by the edit above)');

    await page.setViewportSize({ width: 1280, height: 900 });
    await bob.page.setViewportSize({ width: 1280, height: 900 });
    await bob.page.screenshot({ path: testInfo.outputPath('proposal-desktop.png') });
    await bob.page.setViewportSize({ width: 390, height: 844 });
    await expect(proposal).toBeVisible();
    await bob.page.screenshot({ path: testInfo.outputPath('proposal-390.png'), fullPage: true });
    await bob.page.setViewportSize({ width: 1280, height: 900 });

    await bob.approveButton.click();
    await expect(bob.notice('Approved wire_funds from billing-agent.')).toBeVisible();
    const call = await run.call();
    expect(call).toMatchObject({ approval: 'edited', executed: true });
    expect(run.executions).toEqual([edited]);
  });
});

test('a request’s detail shows onBehalfOf and its challenges literally; the grant form keeps them exact unless the reviewer widens them', async ({ console: alice, agents }) => {
  const ops = agents.connect('ops-agent');
  ops.requestApproval({
    toolName: 'read_mailbox',
    args: { folder: 'inbox' },
    runId: 'run-obo',
    onBehalfOf: '*',
    challenges: [{ actions: ['tool:mail:read'], resources: ['mailbox:*'] }],
    queue: 'ops',
    timeoutMs: 300_000,
  });
  await alice.select('read_mailbox');
  const scope = alice.details.getByRole('region', { name: 'On behalf of and challenges' });
  await expect(scope.getByTestId('on-behalf-of')).toContainText('“*”');
  await expect(scope.getByTestId('challenges')).toContainText('tool:mail:read on mailbox:*');
  await alice.allowSimilarButton.click();
  await expect(alice.grantPreview).toContainText('on behalf of exactly “*”');
  await alice.allowSimilarForm.getByRole('combobox', { name: 'Scope of the end user' }).selectOption('anyone');
  await expect(alice.grantPreview).toContainText('on behalf of anyone');
  // Matching on the challenges: the agent's "mailbox:*" is exact text, never a pattern, unless the reviewer types one.
  await alice.allowSimilarForm.getByRole('checkbox', { name: /Match on actions and resources/ }).check();
  await expect(alice.grantPreview).toContainText('on exactly “mailbox:*”');
  await alice.allowSimilarForm.getByRole('combobox', { name: 'Scope of resources' }).selectOption('pattern');
  await alice.allowSimilarForm.getByRole('textbox', { name: 'Resources patterns' }).fill('mailbox:team-*');
  await expect(alice.allowSimilarForm.getByRole('button', { name: 'Approve & allow', exact: true })).toBeEnabled();
  await expect(alice.grantPreview).toContainText('for actions tool:mail:read on mailbox:team-*');
});
