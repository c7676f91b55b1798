import { displayText, type JsonObject } from '@approval-hub/protocol';
import { expect, leaveWaiting, test } from '../fixtures/test.js';

test.describe('what agents send', () => {
  test('a request the agent cancels leaves the console, and History says the agent cancelled it', async ({ console: alice, agents, hubApi }) => {
    const agent = agents.connect('cleanup-agent');
    const controller = new AbortController();
    const decision = agent.requestApproval({ toolName: 'purge_bucket', args: { bucket: 'logs-2019' }, runId: 'run-c', signal: controller.signal });
    const other = agent.requestApproval({ toolName: 'archive_bucket', args: { bucket: 'logs-2020' }, runId: 'run-c' });
    await alice.select('purge_bucket');

    controller.abort('The user changed their mind');
    await expect(decision).rejects.toMatchObject({ name: 'AbortError' });
    await expect(alice.row('purge_bucket')).toHaveCount(0);
    await expect(alice.notice('purge_bucket from cleanup-agent was cancelled by the agent.')).toBeVisible();
    await expect(alice.departedNote).toHaveText('purge_bucket left the queue: cancelled by the agent.');
    // The selection moved to the next request, and waits a moment before it can be decided.
    await expect(alice.detailTitle).toHaveText('archive_bucket');
    await expect(alice.rows).toHaveCount(1);

    const record = await hubApi.byTool('purge_bucket');
    expect(record.status).toBe('cancelled');
    expect((await hubApi.audit(record.requestId)).find((e) => e.type === 'cancelled')?.data).toMatchObject({ reason: 'The user changed their mind' });

    await alice.approve('archive_bucket');
    expect(await other).toMatchObject({ approved: true });
    await alice.openHistory();
    await expect(alice.historyCell('purge_bucket', 'Status')).toHaveText('Cancelled');
    await expect(alice.historyCell('purge_bucket', 'Decided by')).toHaveText('agent (cancelled)');
  });

  test('hostile arguments render as inert text and the page stays responsive', async ({ console: alice, agents, page }) => {
    const dialogs: string[] = [];
    const pageErrors: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      // A dialog fails the test through `dialogs`; dismissing it only keeps the page going, so its failure is moot.
      dialog.dismiss().catch(() => undefined);
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));

    let deep: JsonObject = { bottom: 'the deepest value' };
    for (let level = 0; level < 48; level++) deep = { level: deep };
    const long = `${'0123456789'.repeat(5_000)}END`; // 50 KB
    const unicode = 'Zero\u200Bwidth · RTL \u202Eevil.exe\u202C · emoji 🧨👩‍💻 · e\u0301 · 漢字 · \u0000nul';
    const hostile: JsonObject = {
      script: '<script>window.__pwned = "script"</script>',
      img: '<img src=x onerror="window.__pwned = \'img\'; alert(1)">',
      link: '<a href="javascript:alert(1)">click me</a>',
      '<svg onload=alert(1)>': 'a hostile key',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, meant to stay literal text.
      template: '{{constructor.constructor("alert(1)")()}} ${alert(1)}',
      long,
      deep,
      unicode,
    };
    const agent = agents.connect('mallory-agent');
    const decision = agent.requestApproval({
      toolName: 'exfiltrate',
      args: hostile,
      runId: 'run-x',
      description: '<img src=x onerror="window.__pwned = \'description\'">',
    });
    leaveWaiting(agent.requestApproval({ toolName: 'harmless_tool', args: { ok: true }, runId: 'run-x', timeoutMs: 600_000 }));

    const row = alice.row('exfiltrate');
    await expect(row).toContainText('script: "<script>window.__pwned = \\"script\\"</script>"');
    await alice.select('exfiltrate');
    const args = alice.detailArguments;
    await expect(args.getByText('"<script>window.__pwned = "script"</script>"')).toBeVisible();
    await expect(args.getByText(`"${hostile.img as string}"`)).toBeVisible();
    await expect(args.getByText(`"${hostile.link as string}"`)).toBeVisible();
    await expect(args.getByText('"<svg onload=alert(1)>"')).toBeVisible();
    await expect(args.getByText(`"${hostile.template as string}"`)).toBeVisible();
    // Invisible, bidi and control characters are shown as markers, never obeyed.
    await expect(args).toContainText(displayText(unicode));
    await expect(args).toContainText('Zero⟨U+200B⟩width · RTL ⟨U+202E⟩evil.exe⟨U+202C⟩');
    await expect(alice.details.getByRole('region', { name: 'Description' })).toContainText('<img src=x onerror=');

    // The 50 KB string is whole in its own scroll box; Approve waits until its end was on screen.
    await expect(args).toContainText(long);
    await expect(alice.approveButton).toBeDisabled();
    await expect(alice.details.getByText(/scroll to the end of args\.long \(50,003 characters\)/)).toBeVisible();
    await alice.readToEnd('args.long');

    // 48 levels deep: the folded levels open one by one down to the bottom.
    const folded = args.getByRole('button', { name: /^Expand/, expanded: false });
    for (let i = 0; i < 60 && (await folded.count()) > 0; i++) await folded.first().click();
    await expect(folded).toHaveCount(0);
    await expect(args).toContainText('"bottom": "the deepest value"');

    // Nothing became markup, nothing ran.
    await expect(alice.details.locator('img, script, a, svg:not([aria-hidden="true"])')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);

    // Still responsive: a frame comes quickly, the keyboard moves the selection, the countdown runs.
    const frameMs = await page.evaluate(() => new Promise<number>((resolve) => {
      const start = performance.now();
      requestAnimationFrame(() => resolve(performance.now() - start));
    }));
    expect(frameMs).toBeLessThan(250);
    await page.keyboard.press('j');
    await expect(alice.detailTitle).toHaveText('harmless_tool', { timeout: 1_000 });
    await page.keyboard.press('k');
    await expect(alice.detailTitle).toHaveText('exfiltrate', { timeout: 1_000 });

    // Approve: the agent gets back exactly what it sent. What was read stays read when the reviewer comes back.
    await expect(alice.approveButton).toBeEnabled();
    await alice.approveButton.click();
    const response = await decision;
    expect(response).toMatchObject({ approved: true, modified: false });
    expect(response.args).toEqual(hostile);

    await alice.openHistory();
    await alice.openTimeline('exfiltrate');
    const requested = alice.timeline.getByRole('region', { name: 'Requested arguments' });
    await expect(requested.getByText(`"${hostile.img as string}"`)).toBeVisible();
    await expect(alice.timeline.locator('img, script, a')).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });
});
