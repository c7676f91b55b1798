import { expect, test } from '../fixtures/test.js';

/*
 * The console locks a row by its own estimate of the hub's clock; the hub expires the request at the
 * same instant and the row leaves. Left alone, the two race: the lock can be on screen for 0-100 ms
 * only, so this flow freezes the hub process (SIGSTOP) across the deadline. That also proves the lock
 * does not wait for the hub's word: with the hub silent, the row still locks on time.
 */
for (const defaultOnTimeout of ['deny', 'approve'] as const) {
  test.describe(`timeout with defaultOnTimeout "${defaultOnTimeout}"`, () => {
    // 15 s: long enough for the request to reach the console and be selected on a loaded 2-core machine
    // (at 5 s the row had sometimes expired before the first check); short enough to be "Urgent" (< 30 s).
    test.use({ hubOptions: { approval: { defaultOnTimeout, defaultTimeoutMs: 15_000 } } });

    test('the row locks at the deadline, then leaves; the agent gets the timeout decision; History says timeout', async ({
      console: alice,
      agents,
      hub,
      hubApi,
    }) => {
      const ops = agents.connect('ops-agent');
      // No timeoutMs: the hub's defaultTimeoutMs applies (15 s).
      const run = agents.run(ops, { toolName: 'scale_down', args: { deployment: 'search', replicas: 0 } });
      const row = alice.row('scale_down');
      await alice.select('scale_down');
      await expect(row).toHaveAccessibleDescription(/^Urgent: ([1-9]|1[0-5])s left$/);
      await expect(alice.approveButton).toBeEnabled();

      hub.pause();
      try {
        // Locked by the console's own clock: "Expired" in words, decisions refused.
        await expect(row).toHaveAccessibleDescription('Expired', { timeout: 16_000 });
        await expect(alice.approveButton).toBeDisabled();
        await expect(alice.denyButton).toBeDisabled();
        await expect(alice.editButton).toBeDisabled();
        await expect(alice.details).toContainText('Expired: this request can no longer be decided.');
        await alice.page.keyboard.press('a');
        await expect(alice.notice('This request has expired.')).toBeVisible();
        await expect(row).toBeVisible();
      } finally {
        hub.resume();
      }

      // Then the hub expires it and the row leaves, saying why.
      await expect(row).toHaveCount(0);
      await expect(alice.notice('scale_down from ops-agent was not decided in time (expired).')).toBeVisible();
      await expect(alice.departedNote).toHaveText('scale_down left the queue: not decided in time (expired).');

      const record = await hubApi.byTool('scale_down');
      expect(record).toMatchObject({
        status: 'expired',
        decision: { approved: defaultOnTimeout === 'approve', decidedBy: { kind: 'timeout' }, reason: 'Approval timed out' },
      });
      const call = await run.call();
      if (defaultOnTimeout === 'deny') {
        expect(call).toMatchObject({ approval: 'timeout', executed: false });
        expect(call.result).toMatch(/^\[TIMEOUT\] .*Do not retry/);
        expect(run.executions).toEqual([]);
      } else {
        // The hub's rule approved it: the agent treats that as an ordinary approval.
        expect(call).toMatchObject({ approval: 'approved', executed: true });
        expect(run.executions).toEqual([{ deployment: 'search', replicas: 0 }]);
      }
      const types = (await hubApi.audit(record.requestId)).map((e) => e.type);
      expect(types.filter((t) => t === 'expired')).toHaveLength(1);
      expect(types).not.toContain('decided');

      await alice.openHistory();
      await expect(alice.historyCell('scale_down', 'Status')).toHaveText('Expired');
      await expect(alice.historyCell('scale_down', 'Decided by')).toHaveText('timeout');
      await expect(alice.historyCell('scale_down', 'Reason')).toHaveText('Approval timed out');
    });
  });
}
