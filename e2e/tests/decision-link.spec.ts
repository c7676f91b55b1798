import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { e2eTokens, expect, test } from '../fixtures/test.js';

/** Mail as a real SMTP server received it (the `smtp-server` package), per recipient. */
interface Mailbox {
  port: number;
  mails: { to: string; raw: string }[];
}

/** The mail as a reader sees it: quoted-printable soft line breaks joined and escapes decoded. */
const readable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

const emailTest = test.extend<{ mailbox: Mailbox }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's first parameter as a destructuring pattern; this fixture needs no other.
  mailbox: async ({}, use) => {
    const mailbox: Mailbox = { port: 0, mails: [] };
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onData(stream, session, callback) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        stream.on('end', () => {
          for (const rcpt of session.envelope.rcptTo) mailbox.mails.push({ to: rcpt.address, raw });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    mailbox.port = (server.server.address() as AddressInfo).port;
    await use(mailbox);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
  hubOptions: async ({ mailbox }, use) => {
    await use({
      notifications: {
        publicUrl: 'https://approvals.example.com',
        channels: [
          {
            name: 'reviewers',
            kind: 'email',
            smtp: { host: '127.0.0.1', port: mailbox.port },
            from: 'Approval Hub <hub@example.com>',
            to: [
              { address: 'alice@example.com', reviewer: 'alice' },
              { address: 'bob@example.com', reviewer: 'bob' },
            ],
          },
        ],
        routes: [{ match: { queue: 'billing' }, channels: ['reviewers'] }],
        delivery: { backoffBaseMs: 100, pollIntervalMs: 100 },
      },
    });
  },
});

// A phone, as a reviewer reading their mail would hold it.
emailTest.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

emailTest('a reviewer decides from the link in their notification email, once, as themselves', async ({ page, hub, agents, hubApi, mailbox }) => {
  const agent = agents.connect('billing-agent');
  const decision = agent.requestApproval({ toolName: 'refund_by_mail', args: { order: 'A-2002', amount: 120 }, runId: 'run-mail-1', queue: 'billing', summary: 'Refund order A-2002', timeoutMs: 120_000 });
  await expect.poll(() => mailbox.mails.length, { timeout: 15_000 }).toBe(2);
  const alice = readable(mailbox.mails.find((m) => m.to === 'alice@example.com')!.raw);
  expect(alice).toMatch(/^Subject: Approval needed: refund_by_mail by billing-agent/m);
  expect(alice).toContain('Summary: Refund order A-2002');
  const link = /Review and decide: (https:\/\/approvals\.example\.com\/d\/[A-Za-z0-9._~-]+)/.exec(alice)?.[1];
  expect(link).toBeDefined();
  // The mail's link names the public address; the test hub listens on its own.
  const path = new URL(link!).pathname;

  await page.goto(`${hub.url}${path}`);
  await expect(page.getByRole('heading', { name: 'refund_by_mail', level: 1 })).toBeVisible();
  await expect(page.getByText('Decide as Alice Reviewer')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Arguments' })).toContainText('"order": "A-2002"');
  await page.getByRole('button', { name: 'Deny', exact: true }).tap();
  await expect(page.getByRole('heading', { name: /You denied this request/ })).toBeVisible();
  expect(await decision).toMatchObject({ approved: false, decidedBy: { kind: 'reviewer', id: 'alice' } });
  expect((await hubApi.approval((await hubApi.byTool('refund_by_mail')).requestId)).status).toBe('denied');

  // Bob's link, from his own mail, now shows Alice's decision and decides nothing.
  const bob = readable(mailbox.mails.find((m) => m.to === 'bob@example.com')!.raw);
  const bobPath = new URL(/Review and decide: (\S+)/.exec(bob)![1]!).pathname;
  expect(bobPath).not.toBe(path);
  await page.goto(`${hub.url}${bobPath}`);
  await expect(page.getByRole('status')).toContainText('denied by Alice Reviewer');
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);

  // The delivery log says both mails went.
  const log = await hub.api<{ items: { status: string; target: string }[] }>('GET', '/api/notifications/deliveries?channel=reviewers', e2eTokens.admin);
  expect(log.body.items.map((d) => `${d.target}:${d.status}`).sort()).toEqual(['alice@example.com:delivered', 'bob@example.com:delivered']);
});
