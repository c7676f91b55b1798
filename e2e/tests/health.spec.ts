import { copyFileSync, renameSync } from 'node:fs';
import { expect, leaveWaiting, test } from '../fixtures/test.js';

test('a hub whose database was replaced says so in the console, keeps decisions possible, and recovers after a restart', async ({
  console: alice,
  agents,
  hub,
}) => {
  const ops = agents.connect('ops-agent');
  leaveWaiting(ops.requestApproval({ toolName: 'resize_volume', args: { gb: 200 }, runId: 'run-h', timeoutMs: 300_000 }));
  await alice.select('resize_volume');
  await alice.expectConnection('Connected');

  // Another file now sits at the hub's database path (a restore gone wrong): `/api/health` answers 503.
  copyFileSync(hub.dbPath, `${hub.dbPath}.copy`);
  renameSync(`${hub.dbPath}.copy`, hub.dbPath);
  await expect.poll(async () => (await hub.api<{ status: string }>('GET', '/api/health')).body.status, { timeout: 15_000 }).toBe('degraded');

  // The console re-checks on its own (every 10 s): not "Connected" any more, and it says why.
  await alice.expectConnection(/Hub degraded.*/, { timeout: 15_000 });
  await expect(alice.page.getByText(/^The hub reports a problem/)).toBeVisible();
  // Nothing is locked: the reviewer may still try, and the hub decides what it can record.
  await expect(alice.approveButton).toBeEnabled();

  await hub.restart();
  await alice.expectConnection('Connected', { timeout: 30_000 });
  await expect(alice.page.getByText(/^The hub reports a problem/)).toHaveCount(0);
});
