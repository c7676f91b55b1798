import { expect, test } from '../fixtures/test.js';

test('keyboard only: a reviewer clears a queue of five with j, k, a and d', async ({ console: alice, agents, page }) => {
  const agent = agents.connect('batch-agent');
  const tools = ['task_one', 'task_two', 'task_three', 'task_four', 'task_five'];
  // Deadlines one second apart: the queue (sorted by deadline) shows them in this order.
  const decisions = new Map(
    tools.map((toolName, i) => [toolName, agent.requestApproval({ toolName, args: { step: i + 1 }, runId: 'run-k', timeoutMs: 300_000 + i * 1_000 })]),
  );
  await expect(alice.rows).toHaveCount(5);

  const press = async (key: string, then: { selected?: string; remaining?: number }) => {
    // A reviewer looks before deciding: a decision key acts once the request has been on screen for a moment.
    if (key === 'a' || key === 'd') await alice.waitUntilDecidable();
    await page.keyboard.press(key);
    if (then.remaining !== undefined) await expect(alice.rows).toHaveCount(then.remaining);
    if (then.selected !== undefined) {
      await expect(alice.detailTitle).toHaveText(then.selected);
      await expect(alice.row(then.selected)).toHaveAttribute('aria-current', 'true');
    }
  };

  await press('j', { selected: 'task_one' });
  // The buttons announce the keys.
  await expect(alice.approveButton).toHaveAttribute('aria-keyshortcuts', 'a');
  await expect(alice.denyButton).toHaveAttribute('aria-keyshortcuts', 'd');
  await press('a', { selected: 'task_two', remaining: 4 }); // own decision: the next one is selected at once
  await press('d', { selected: 'task_three', remaining: 3 });
  await press('j', { selected: 'task_four' });
  await press('a', { selected: 'task_five', remaining: 2 });
  await press('k', { selected: 'task_three' });
  await press('d', { selected: 'task_five', remaining: 1 });
  await press('a', { remaining: 0 });
  await expect(alice.allClear).toBeVisible();

  const outcomes = Object.fromEntries(await Promise.all([...decisions].map(async ([tool, decision]) => [tool, (await decision).status] as const)));
  expect(outcomes).toEqual({ task_one: 'approved', task_two: 'denied', task_three: 'denied', task_four: 'approved', task_five: 'approved' });
  for (const decision of decisions.values()) expect(await decision).toMatchObject({ decidedBy: { kind: 'reviewer', id: 'alice' } });
});
