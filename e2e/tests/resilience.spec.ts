import { e2eAgentToken, e2eTokens, expect, test } from '../fixtures/test.js';
import { BrowserNetwork } from '../fixtures/network.js';
import { ConsolePage } from '../pages/console-page.js';

test.describe('connections come and go', () => {
  test('after a reload the queue is exactly the hub’s pending set', async ({ console: alice, agents, hub, hubApi }) => {
    const agent = agents.connect('ops-agent');
    const tools = ['purge_cdn', 'flush_dns', 'restart_api', 'resize_disk'];
    const asks = tools.map((toolName, i) => agent.requestApproval({ toolName, args: { i }, runId: 'run-reload', timeoutMs: 120_000 + i * 1_000 }));
    await expect(alice.rows).toHaveCount(4);
    await alice.approve('purge_cdn');

    // While the page reloads, Bob denies one request and the agent asks for another.
    const reloading = alice.page.reload();
    const flushDns = await hubApi.byTool('flush_dns');
    expect((await hub.api('POST', `/api/approvals/${flushDns.requestId}/decision`, e2eTokens.reviewer2, { approved: false, reason: 'later' })).status).toBe(200);
    const late = agent.requestApproval({ toolName: 'rotate_logs', args: {}, runId: 'run-reload', timeoutMs: 120_000 });
    await expect.poll(async () => (await hubApi.pending()).length).toBe(3);
    await reloading;

    // Signed in again from this tab's session, and in sync: same requests, nothing more, nothing less.
    await alice.waitUntilSynced();
    const pending = await hubApi.pending(e2eTokens.reviewer);
    expect(pending.map((r) => r.toolName).sort()).toEqual(['resize_disk', 'restart_api', 'rotate_logs']);
    await expect(alice.rows).toHaveCount(pending.length);
    for (const record of pending) await expect(alice.row(record.toolName, 'ops-agent')).toBeVisible();

    await alice.approve('rotate_logs');
    expect(await late).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', id: 'alice' } });
    expect(await asks[0]).toMatchObject({ approved: true });
    expect(await asks[1]).toMatchObject({ approved: false, reason: 'later', decidedBy: { kind: 'reviewer', id: 'bob' } });
  });

  test('the network drops and returns: the console says so, holds decisions, reconnects and catches up', async ({ page, context, hub, agents, hubApi }) => {
    const network = await BrowserNetwork.install(context);
    const alice = new ConsolePage(page, hub);
    await alice.signInWithLink(e2eTokens.reviewer);
    const agent = agents.connect('ops-agent');
    const before = agent.requestApproval({ toolName: 'before_drop', args: { n: 1 }, runId: 'run-net', timeoutMs: 120_000 });
    await alice.select('before_drop');
    await expect.poll(() => hub.connections()).toEqual({ agents: 1, reviewers: 1 });

    await network.drop();
    // The drop is real: the hub lost the console's connection.
    await expect.poll(() => hub.connections()).toEqual({ agents: 1, reviewers: 0 });
    await alice.expectConnection('Offline');
    await expect(alice.approveButton).toBeDisabled();
    await expect(alice.denyButton).toBeDisabled();
    await expect(alice.details).toContainText('Not connected to the hub: decisions are paused until the connection is back.');
    await page.keyboard.press('a');
    await expect(alice.notice('Not connected to the hub: decisions are paused.')).toBeVisible();

    // While the console is offline, Bob approves the request Alice is looking at, and the agent asks again.
    const beforeRecord = await hubApi.byTool('before_drop');
    expect((await hub.api('POST', `/api/approvals/${beforeRecord.requestId}/decision`, e2eTokens.reviewer2, { approved: true })).status).toBe(200);
    const during = agent.requestApproval({ toolName: 'during_drop', args: { n: 2 }, runId: 'run-net', timeoutMs: 120_000 });
    await expect.poll(async () => (await hubApi.pending()).map((r) => r.toolName)).toEqual(['during_drop']);
    await expect(alice.row('before_drop')).toBeVisible(); // nothing can tell it yet
    await alice.expectConnection('Offline');

    await network.restore();
    // Socket.IO's reconnect backoff (up to 10 s in the console) decides when it comes back.
    await alice.expectConnection('Connected', { timeout: 20_000 });
    await expect(alice.row('before_drop')).toHaveCount(0);
    await expect(alice.row('during_drop')).toBeVisible();
    await expect(alice.rows).toHaveCount(1);
    await expect(alice.notice('1 request left the queue while the connection was down.')).toBeVisible();
    expect(await before).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', name: 'Bob Reviewer' } });

    await alice.approve('during_drop');
    expect(await during).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', id: 'alice' } });
  });

  test('the hub is SIGKILLed with requests pending and restarted on the same database: everyone reconnects, deadlines hold', async ({
    console: alice,
    agents,
    hub,
    hubApi,
  }) => {
    const ops = agents.connect('ops-agent');
    const billing = agents.connect('billing-agent');
    const failover = ops.requestApproval({ toolName: 'failover_db', args: { primary: 'db-2' }, runId: 'run-crash', timeoutMs: 600_000 });
    const payment = agents.run(billing, { toolName: 'pay_vendor', args: { vendor: 'Globex', amount: 120 }, queue: 'billing', timeoutMs: 300_000 });
    await expect(alice.rows).toHaveCount(2);
    await expect.poll(() => hub.connections()).toEqual({ agents: 2, reviewers: 1 });
    const before = (await hubApi.pending()).map((r) => ({ requestId: r.requestId, toolName: r.toolName, expiresAt: r.expiresAt })).sort((a, b) => a.toolName.localeCompare(b.toolName));
    const failoverDeadline = before.find((r) => r.toolName === 'failover_db')!.expiresAt;
    await alice.select('failover_db');
    await expect(alice.detailValue('Deadline').getByRole('time')).toHaveAttribute('datetime', failoverDeadline);

    await hub.kill('SIGKILL');
    await alice.expectConnection('Reconnecting…');
    await expect(alice.approveButton).toBeDisabled();
    await expect(alice.rows).toHaveCount(2); // what it knew stays on screen, locked

    await hub.start(); // same port, same SQLite file
    await alice.expectConnection('Connected', { timeout: 20_000 });
    await expect.poll(() => hub.connections(), { timeout: 20_000 }).toEqual({ agents: 2, reviewers: 1 });
    const after = (await hubApi.pending()).map((r) => ({ requestId: r.requestId, toolName: r.toolName, expiresAt: r.expiresAt })).sort((a, b) => a.toolName.localeCompare(b.toolName));
    expect(after).toEqual(before);
    await expect(alice.rows).toHaveCount(2);
    await expect(alice.detailValue('Deadline').getByRole('time')).toHaveAttribute('datetime', failoverDeadline);
    // The countdown runs to the deadline set before the crash (a reset one would read 10m again). It is compared
    // with the time left now rather than with a fixed "9m 5xs": under load the restart alone can take 20 s.
    await expect
      .poll(async () => {
        const shown = /^(\d+)m (\d+)s left$/.exec((await alice.row('failover_db').evaluate((row) => document.getElementById(row.getAttribute('aria-describedby') ?? '')?.textContent ?? '')).trim());
        const left = (Date.parse(failoverDeadline) - Date.now()) / 1000;
        return shown ? Math.abs(Number(shown[1]) * 60 + Number(shown[2]) - left) : Number.POSITIVE_INFINITY;
      })
      .toBeLessThan(3);

    await alice.approve('failover_db');
    expect(await failover).toMatchObject({ approved: true, status: 'approved', decidedBy: { kind: 'reviewer', id: 'alice' } });
    await alice.deny('pay_vendor', 'Pay after the incident review');
    expect(await payment.call()).toMatchObject({ approval: 'denied', executed: false, result: '[DENIED] Pay after the incident review' });
    // The SDKs' re-sends after the crash created nothing new.
    expect((await hub.api<{ items: unknown[] }>('GET', '/api/approvals?status=pending,approved,denied,expired,cancelled')).body.items).toHaveLength(2);
  });

  test('an agent offline when the reviewer decides receives the decision when it reconnects', async ({ console: alice, agents, hub, hubApi }) => {
    const link = await agents.link();
    const agent = agents.connect('edge-agent', e2eAgentToken('edge-agent'), link.url);
    const run = agents.run(agent, { toolName: 'reboot_router', args: { site: 'berlin' } });
    let settled = false;
    const markSettled = () => {
      settled = true;
    };
    run.result.then(markSettled, markSettled);
    await alice.select('reboot_router');
    await expect.poll(() => hub.connections()).toEqual({ agents: 1, reviewers: 1 });

    link.cut();
    await expect.poll(() => hub.connections()).toEqual({ agents: 0, reviewers: 1 });
    expect(agent.connected).toBe(false);

    await alice.approveButton.click();
    await expect(alice.notice('Approved reboot_router from edge-agent.')).toBeVisible();
    const record = await hubApi.byTool('reboot_router');
    expect(record.status).toBe('approved');
    // Decided, queued for delivery, not delivered: the agent is not there.
    expect((await hubApi.audit(record.requestId)).map((e) => e.type)).not.toContain('delivered');
    expect(settled).toBe(false);
    expect(run.executions).toEqual([]);

    link.restore();
    expect(await run.call()).toMatchObject({ approval: 'approved', executed: true, args: { site: 'berlin' } });
    expect(run.executions).toEqual([{ site: 'berlin' }]);
    await expect.poll(async () => (await hubApi.audit(record.requestId)).map((e) => e.type)).toContain('delivered');
    expect(await hub.connections()).toEqual({ agents: 1, reviewers: 1 });
  });
});
