import type { ApprovalRecord, AuditEntry } from '@approval-hub/protocol';
import { expect, test } from '../fixtures/test.js';
import { ConsolePage } from '../pages/console-page.js';

// What `pnpm start` runs: dev tokens made on the spot, a printed sign-in link, the demo agents (real SDK agents
// and an MCP client inside the hub process), each asking at once. Their pace is the one knob, and it must let the
// reviewer win: every SDK agent starts a run every interval × 0.5–1.5 while fewer than two wait, so at a 2 s
// interval they kept up to seven requests pending and refilled them as fast as a keyboard reviewer decides on a
// loaded 2-core machine (one decision per 2.5 s or slower); "All clear" was then never reached in full runs.
// At 120 s each agent asks once at start and not again before a minute has passed, so the queue can be cleared.
test.use({ hubOptions: { demo: true, devTokens: true, demoIntervalMs: 120_000 } });

test('the demo: its agents fill the queue, and a reviewer signed in from the printed link clears it', async ({ page, hub }) => {
  expect(hub.logs).toContain('Demo agents: ops-agent, billing-agent, mail-agent');
  const link = hub.signInLink();
  expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=\S+$/);
  const admin = hub.devToken('admin')!;
  expect(admin).toBeTruthy();

  const reviewer = new ConsolePage(page, hub);
  await reviewer.openLink(link!);
  await expect(page.getByText('Dev Reviewer')).toBeVisible();

  // The queue fills with requests from all four demo agents. Each has a dev token of its own, so each row
  // names the agent as who it is, with no claim beside it.
  for (const [tool, agent] of [
    ['delete_pod', 'ops-agent'],
    ['send_payment', 'billing-agent'],
    ['send_email', 'mail-agent'],
    ['drop_table', 'warehouse-db'],
  ] as const) {
    await expect(reviewer.row(tool, agent).first()).toBeVisible({ timeout: 30_000 });
  }

  // Clear it from the keyboard, approving and denying in turn. Should the demo ask again meanwhile, that
  // request is simply taken too, until the queue is empty.
  const decided: Array<{ requestId: string; status: 'approved' | 'denied' }> = [];
  await expect(async () => {
    if ((await reviewer.rows.count()) > 0) {
      if (!(await reviewer.approveButton.isVisible())) await page.keyboard.press('j');
      await expect(reviewer.approveButton).toBeVisible({ timeout: 2_000 });
      await expect(reviewer.denyButton).toBeEnabled({ timeout: 2_000 });
      const requestId = (await reviewer.detailValue('Request ID').textContent())!;
      // Approve needs the whole request read (a long mail body is) and, for high and critical risk, a
      // confirmation: a second `a`, or the tool name typed. Such requests are denied here, with one key.
      const record = (await hub.api<ApprovalRecord>('GET', `/api/approvals/${requestId}`, admin)).body;
      const approve = decided.length % 2 === 0 && (await reviewer.approveButton.isEnabled());
      if (approve) {
        await page.keyboard.press('a');
        if (record.risk === 'critical') {
          await expect(reviewer.details.getByRole('textbox', { name: /Type the tool name/ })).toBeFocused();
          await page.keyboard.type(record.toolName);
          await page.keyboard.press('Enter');
        } else if (record.risk === 'high') {
          await expect(reviewer.details.getByRole('button', { name: 'Confirm approval' })).toBeVisible();
          await page.keyboard.press('a');
        }
      } else {
        await page.keyboard.press('d');
      }
      decided.push({ requestId, status: approve ? 'approved' : 'denied' });
      await expect.poll(async () => (await hub.api<ApprovalRecord>('GET', `/api/approvals/${requestId}`, admin)).body.status).not.toBe('pending');
    }
    await expect(reviewer.allClear).toBeVisible({ timeout: 300 });
  }).toPass({ timeout: 45_000, intervals: [0] });
  expect(decided.length).toBeGreaterThanOrEqual(3);

  // Every decision reached its demo agent, which acknowledged it and acted on it.
  for (const { requestId, status } of decided) {
    const { body } = await hub.api<ApprovalRecord>('GET', `/api/approvals/${requestId}`, admin);
    expect(body).toMatchObject({ status, decision: { decidedBy: { kind: 'reviewer', name: 'Dev Reviewer' } } });
    await expect
      .poll(async () => (await hub.api<{ items: AuditEntry[] }>('GET', `/api/audit?requestId=${requestId}`, admin)).body.items.map((e) => e.type))
      .toContain('delivered');
  }
  const toolResults = () =>
    hub.logs
      .split('\n')
      .filter((line) => line.includes('"event":"demo.tool_result"') && /"approval":"(approved|denied)"/.test(line));
  await expect.poll(() => toolResults().length).toBeGreaterThanOrEqual(decided.length);
});
