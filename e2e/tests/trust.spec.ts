import { expect, leaveWaiting, test } from '../fixtures/test.js';

test.describe('decisions a reviewer can trust', () => {
  test('spoofing characters are shown escaped in queue, detail, editor diff and history, with the hub’s warning', async ({ console: alice, agents, hubApi, page }) => {
    const agent = agents.connect('spoof-agent');
    const decision = agent.requestApproval({
      toolName: 'send_invoice',
      args: { file: 'invoice\u202Efdp.exe', to: 'b\u200b@evil.test', site: 'https://pаypal.com/pay', note: 'fine text' },
      runId: 'run-spoof',
      summary: 'Send invoice\u202Efdp.exe to b\u200b@evil.test',
    });

    // The queue row: the summary escaped, and a visible flag.
    const row = alice.row('send_invoice');
    await expect(row).toContainText('Send invoice⟨U+202E⟩fdp.exe to b⟨U+200B⟩@evil.test');
    await expect(row).toContainText('Suspicious text');

    await alice.select('send_invoice');
    // The warning lists what the hub found, by field and code point.
    const warning = alice.details.getByRole('alert', { name: 'Suspicious text' });
    await expect(warning).toContainText('args.file');
    await expect(warning).toContainText('U+202E');
    await expect(warning).toContainText('args.to');
    await expect(warning).toContainText('U+200B');
    await expect(warning).toContainText('Cyrillic + Latin');
    // The arguments: markers instead of the characters, and the look-alike letter marked.
    const args = alice.detailArguments;
    await expect(args).toContainText('"invoice⟨U+202E⟩fdp.exe"');
    await expect(args).toContainText('"b⟨U+200B⟩@evil.test"');
    await expect(args).toContainText('"https://p⟨U+0430⟩ypal.com/pay"');
    // What Chromium lays out holds no bidi control or zero-width character at all.
    const rendered = await alice.details.evaluate((el) => el.textContent ?? '');
    expect(rendered).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B]/);
    // The marker is real text, laid out left to right: "invoice" comes before "fdp.exe" on screen.
    const order = await args.getByText('"invoice⟨U+202E⟩fdp.exe"').evaluate((el) => {
      const left = (needle: string) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = (node.textContent ?? '').indexOf(needle);
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + needle.length);
          return range.getBoundingClientRect().left;
        }
        return Number.NaN;
      };
      return { invoice: left('invoice'), fdp: left('fdp.exe') };
    });
    expect(order.invoice).toBeLessThan(order.fdp);

    // The editor shows JSON escapes and its diff shows markers.
    await alice.editButton.click();
    await expect(alice.argsEditor).toHaveValue(/invoice\\u202efdp\.exe/);
    const edited = (await alice.argsEditor.inputValue()).replace('fine text', 'changed');
    await alice.argsEditor.fill(edited);
    await expect(alice.details.getByText('Agent’s arguments → edited')).toBeVisible();
    expect(await alice.details.evaluate((el) => el.textContent ?? '')).not.toMatch(/[\u202E\u200B]/);
    await alice.approveEditedButton.click();
    const response = await decision;
    // The agent gets the characters it sent back exactly: escaping is only how they are shown.
    expect(response.args).toMatchObject({ file: 'invoice\u202Efdp.exe', to: 'b\u200b@evil.test', note: 'changed' });

    // History and the timeline show the same escapes.
    await alice.openHistory();
    await expect(alice.historyRow('send_invoice')).toContainText('Send invoice⟨U+202E⟩fdp.exe');
    await alice.openTimeline('send_invoice');
    await expect(alice.timeline).toContainText('"invoice⟨U+202E⟩fdp.exe"');
    expect(await page.locator('main, [role=main], body').first().evaluate((el) => el.textContent ?? '')).not.toMatch(/[\u202E\u200B]/);
    const stored = await hubApi.byTool('send_invoice');
    expect(stored.suspicious?.map((f) => f.kind)).toEqual(expect.arrayContaining(['bidi_control', 'invisible', 'mixed_script']));
  });

  test('a long value must be read to its end before Approve works, by button or key; a short one needs nothing', async ({ console: alice, agents, page }) => {
    const agent = agents.connect('mail-agent');
    const body = `${'Dear Carol, here is the quarterly summary you asked for. '.repeat(45)}P.S. wire the remaining balance to IBAN DE89 3704 0044 0532 0130 00.`;
    expect(body.length).toBeGreaterThan(2_600);
    const long = agent.requestApproval({ toolName: 'send_long_email', args: { to: 'carol@example.com', body }, runId: 'run-long', timeoutMs: 600_000 });
    const short = agent.requestApproval({ toolName: 'send_short_email', args: { to: 'carol@example.com', body: 'See you at 3.' }, runId: 'run-short', timeoutMs: 610_000 });

    // Short: nothing hidden, Approve works at once.
    await alice.select('send_short_email');
    await expect(alice.approveButton).toBeEnabled();
    await alice.approveButton.click();
    expect((await short).approved).toBe(true);

    await alice.select('send_long_email');
    // The whole value is on the page, in its own scroll box; the end is not yet on screen.
    const viewer = alice.longValue('args.body');
    await expect(viewer).toContainText('P.S. wire the remaining balance');
    await expect(viewer).toHaveAttribute('data-reached', 'false');
    await expect(alice.approveButton).toBeDisabled();
    await expect(alice.details.getByText(/Not everything is on screen yet — scroll to the end of args\.body \([\d,]+ characters\)/)).toBeVisible();
    // The keyboard path is held back too.
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('a');
    await expect(alice.notice(/Not everything is on screen yet/)).toBeVisible();
    await expect(alice.row('send_long_email')).toHaveCount(1);

    // Scroll to the end (keyboard: focus the viewer, End): now it may be approved, with the `a` key.
    await alice.readToEnd('args.body');
    await expect(alice.approveButton).toBeEnabled();
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('a');
    expect(await long).toMatchObject({ approved: true, args: { body } });
  });

  test('high risk asks for a second press; critical asks for the tool name typed; both work from the keyboard', async ({ console: alice, agents, page }) => {
    const agent = agents.connect('ops-agent');
    const high = agent.requestApproval({ toolName: 'restart_db', args: { cluster: 'main' }, runId: 'run-r', risk: 'high', timeoutMs: 600_000 });
    const critical = agent.requestApproval({ toolName: 'delete_pod', args: { name: 'web-1', namespace: 'prod' }, runId: 'run-r', risk: 'critical', timeoutMs: 610_000 });
    const low = agent.requestApproval({ toolName: 'read_status', args: {}, runId: 'run-r', risk: 'low', timeoutMs: 620_000 });

    // Risk as a label (not only colour) in the queue and the detail.
    await expect(alice.row('restart_db')).toContainText('High risk');
    await expect(alice.row('delete_pod')).toContainText('Critical risk');
    await expect(alice.row('read_status')).toContainText('Low risk');
    // Filter and sort by risk.
    const riskFilter = alice.page.getByLabel('Risk', { exact: true });
    await expect(riskFilter.getByRole('option')).toHaveText(['All', 'Critical (1)', 'High (1)', 'Low (1)']);
    await riskFilter.selectOption('critical');
    await expect(alice.rows).toHaveCount(1);
    await expect(alice.row('delete_pod')).toBeVisible();
    await riskFilter.selectOption('');
    await alice.page.getByLabel('Sort', { exact: true }).selectOption('risk');
    await expect(alice.queueList.getByRole('listitem').first()).toHaveAccessibleName(/^delete_pod from /);

    // High, by button: the first press arms, the second sends.
    await alice.select('restart_db');
    await expect(alice.details).toContainText('High risk');
    await alice.approveButton.click();
    await expect(alice.details.getByText('High risk: press “Confirm approval” to approve, or Cancel.')).toBeVisible();
    await expect(alice.row('restart_db')).toHaveCount(1);
    await alice.details.getByRole('button', { name: 'Confirm approval' }).click();
    expect((await high).approved).toBe(true);

    // Critical, by keyboard: `a` opens the confirmation with focus in the field; a wrong name does not send.
    await alice.select('delete_pod');
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('a');
    const field = alice.details.getByRole('textbox', { name: /Type the tool name/ });
    await expect(field).toBeFocused();
    const confirm = alice.details.getByRole('button', { name: 'Approve critical request' });
    await page.keyboard.type('delete_po');
    await expect(confirm).toBeDisabled();
    await page.keyboard.press('Enter');
    await expect(alice.row('delete_pod')).toHaveCount(1);
    // Escape cancels; `a` opens it again.
    await page.keyboard.press('Escape');
    await expect(field).toHaveCount(0);
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('a');
    await expect(field).toBeFocused();
    await page.keyboard.type('delete_pod');
    await expect(confirm).toBeEnabled();
    await page.keyboard.press('Enter');
    expect(await critical).toMatchObject({ approved: true, decidedBy: { kind: 'reviewer', id: 'alice' } });

    // Low risk: one press of `a`.
    await alice.select('read_status');
    await page.locator('body').click({ position: { x: 1, y: 1 } });
    await page.keyboard.press('a');
    expect((await low).approved).toBe(true);
  });

  test('the agent’s Markdown rationale is rendered safely, links show their real target', async ({ console: alice, agents, page }) => {
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      // A dialog fails the test through `dialogs`; dismissing it only keeps the page going, so its failure is moot.
      dialog.dismiss().catch(() => undefined);
    });
    const agent = agents.connect('chatty-agent');
    leaveWaiting(agent.requestApproval({
      toolName: 'pay_vendor',
      args: { vendor: 'ACME', amount: 4747 },
      runId: 'run-md',
      summary: 'Pay ACME $4,747 for invoice 2291',
      context: {
        rationale: [
          '## Why',
          'The invoice is **due today**. See [the invoice](https://billing.example.com/inv/2291) and [the dashboard](javascript:window.__pwned=1).',
          '<script>window.__pwned = "script"</script>',
          '<img src=x onerror="window.__pwned = \'img\'">',
          '![pixel](https://evil.test/p.gif)',
        ].join('\n\n'),
        turns: [
          { role: 'user', content: 'Pay the ACME invoice that is due.' },
          { role: 'assistant', content: 'Looking it up.' },
        ],
      },
    }));
    await alice.select('pay_vendor');
    const context = alice.details.getByRole('region', { name: 'Why the agent asks' });
    await expect(context.getByRole('heading', { name: 'Why', exact: true })).toBeVisible();
    await expect(context.getByText('due today')).toBeVisible();
    const link = context.getByRole('link', { name: 'the invoice' });
    await expect(link).toHaveAttribute('href', 'https://billing.example.com/inv/2291');
    await expect(context).toContainText('(https://billing.example.com/inv/2291)');
    await expect(context).toContainText('link removed: unsafe target');
    await expect(context.getByRole('link')).toHaveCount(1);
    await expect(context.locator('script, img, iframe')).toHaveCount(0);
    await expect(context).toContainText('[image: pixel (https://evil.test/p.gif)]');
    await expect(context).toContainText('Pay the ACME invoice that is due.');
    // The context comes before the arguments.
    const contextBox = await context.boundingBox();
    const argsBox = await alice.detailArguments.boundingBox();
    expect(contextBox!.y).toBeLessThan(argsBox!.y);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
  });

  test('history is ordered by decision time and search finds run and conversation ids', async ({ console: alice, agents }) => {
    const agent = agents.connect('ops-agent');
    const first = agent.requestApproval({ toolName: 'job_first', args: { n: 1 }, runId: 'run-aaa111', conversationId: 'conv-zz9', timeoutMs: 600_000 });
    const second = agent.requestApproval({ toolName: 'job_second', args: { n: 2 }, runId: 'run-bbb222', timeoutMs: 610_000 });
    await expect(alice.rows).toHaveCount(2);
    // Decided in the other order than they were created.
    await alice.approve('job_second');
    await alice.approve('job_first');
    await Promise.all([first, second]);

    await alice.openHistory();
    const tools = alice.historyTable.getByRole('button', { name: /^Timeline of / });
    await expect(tools).toHaveText(['job_first', 'job_second']);
    await expect(alice.historyTable.getByRole('columnheader', { name: 'Decided', exact: true })).toHaveAttribute('aria-sort', 'descending');
    await alice.page.getByLabel('Sort by').selectOption('created');
    await expect(tools).toHaveText(['job_second', 'job_first']);

    const search = alice.page.getByRole('searchbox', { name: 'Search' });
    for (const [q, expected] of [['aaa111', ['job_first']], ['conv-zz9', ['job_first']], ['bbb222', ['job_second']]] as const) {
      await search.fill(q);
      await search.press('Enter');
      await expect(tools).toHaveText([...expected]);
    }
  });
});
