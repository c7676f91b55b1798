import { afterEach, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.js';

/** The message's text as a reader sees it: quoted-printable soft breaks joined and escapes decoded. */
function readable(mail: ReceivedMail): string {
  return mail.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
const decisionLink = (mail: ReceivedMail) => /Review and decide: (https:\/\/hub\.example\.com\/d\/[A-Za-z0-9._~-]+)/.exec(readable(mail))?.[1];

function emailConfig(port: number, routes: unknown[] = [{ match: {}, channels: ['reviewers'] }]): HubConfigInput {
  return {
    decisionLinks: { signingKey: 'an-email-test-signing-key-0123456789abcdef' },
    notifications: {
      publicUrl: 'https://hub.example.com/',
      channels: [
        {
          name: 'reviewers',
          kind: 'email',
          smtp: { host: '127.0.0.1', port, auth: { user: 'hub', pass: 'smtp-password' } },
          from: 'Approval Hub <hub@example.com>',
          to: [
            { address: 'alice@example.com', reviewer: 'alice' },
            { address: 'bob@example.com', reviewer: 'bob' },
            { address: 'olga@example.com', reviewer: 'olga' },
          ],
        },
      ],
      routes,
      delivery: { backoffBaseMs: 40, pollIntervalMs: 50, timeoutMs: 3000 },
    },
  } as HubConfigInput;
}

let hub: TestHub | undefined;
let smtp: SmtpSink | undefined;
afterEach(async () => {
  await hub?.close();
  await smtp?.close();
  hub = undefined;
  smtp = undefined;
});

describe('email notifications', () => {
  it('mails each reviewer the request in plain text and HTML with their own decision link, and none outside the queue', async () => {
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    hub = await startTestHub(emailConfig(smtp.port));
    const input = newRequest({ summary: 'Delete a crash-looping pod' });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
    await eventually(() => smtp!.mails.length === 2);
    const byRecipient = new Map(smtp.mails.map((m) => [m.to[0], m]));
    expect([...byRecipient.keys()].sort()).toEqual(['alice@example.com', 'bob@example.com']);
    const alice = byRecipient.get('alice@example.com')!;
    const text = readable(alice);
    expect(alice.from).toBe('hub@example.com');
    expect(text).toMatch(/^Subject: Approval needed: delete_pod by test-agent/m);
    expect(text).toMatch(/Content-Type: text\/plain/);
    expect(text).toMatch(/Content-Type: text\/html/);
    for (const fact of ['Tool: delete_pod', 'Agent: test-agent', 'Summary: Delete a crash-looping pod', `Request: ${input.requestId}`, 'Open the console: https://hub.example.com/#/queue']) expect(text).toContain(fact);
    expect(text).toContain('<a href="https://hub.example.com/d/');
    // Olga reviews "ops" only: her mail is skipped, and the log says so.
    await eventually(async () => (await api(hub!, 'GET', '/api/notifications/deliveries?status=skipped', tokens.admin)).body.items.length === 1);
    expect((await api(hub, 'GET', '/api/notifications/deliveries?status=skipped', tokens.admin)).body.items[0]).toMatchObject({ target: 'olga@example.com', kind: 'email' });

    // The links differ per recipient and decide as that reviewer.
    const aliceLink = decisionLink(alice)!;
    const bobLink = decisionLink(byRecipient.get('bob@example.com')!)!;
    expect(aliceLink).toBeDefined();
    expect(aliceLink).not.toBe(bobLink);
    const token = aliceLink.split('/d/')[1]!;
    expect((await api(hub, 'GET', `/api/decision-links/${token}`, null)).status).toBe(200);
    expect((await api(hub, 'POST', `/api/decision-links/${token}`, null, { approved: true })).status).toBe(200);
    expect(await hub.record(input.requestId)).toMatchObject({ status: 'approved', decision: { decidedBy: { kind: 'reviewer', id: 'alice' } } });
  });

  it('retries while the SMTP server is away and delivers once it is back', async () => {
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    const port = smtp.port;
    await smtp.close();
    hub = await startTestHub(emailConfig(port, [{ match: { queue: 'default' }, channels: ['reviewers'] }]));
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    await eventually(async () => (await api(hub!, 'GET', '/api/notifications/deliveries', tokens.admin)).body.items.some((d: { attempts: number; status: string; lastError: string | null }) => d.status === 'pending' && d.attempts >= 1 && d.lastError !== null));
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    // The sink may not get the same port back; point the channel at it (a reload keeps the outbox rows).
    hub.hub.reload({ ...hub.hub.context.config, notifications: { ...hub.hub.context.config.notifications!, channels: hub.hub.context.config.notifications!.channels.map((c) => (c.kind === 'email' ? { ...c, smtp: { ...c.smtp, port: smtp!.port } } : c)) } });
    await eventually(() => smtp!.mails.length === 2, 8000);
  });

  it('does not ask for a decision that was made while the mail was waiting', async () => {
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    const port = smtp.port;
    await smtp.close();
    hub = await startTestHub(emailConfig(port));
    const input = newRequest();
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
    await eventually(async () => (await api(hub!, 'GET', '/api/notifications/deliveries?status=pending', tokens.admin)).body.items.some((d: { lastError: string | null }) => d.lastError !== null));
    expect((await api(hub, 'POST', `/api/approvals/${input.requestId}/decision`, tokens.reviewer, { approved: false })).status).toBe(200);
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    hub.hub.reload({ ...hub.hub.context.config, notifications: { ...hub.hub.context.config.notifications!, channels: hub.hub.context.config.notifications!.channels.map((c) => (c.kind === 'email' ? { ...c, smtp: { ...c.smtp, port: smtp!.port } } : c)) } });
    await eventually(async () => (await api(hub!, 'GET', '/api/notifications/deliveries?status=skipped', tokens.admin)).body.items.length === 3, 8000);
    expect(smtp.mails).toHaveLength(0);
  });

  it('escalates by email when nobody decides in time ("Still waiting")', async () => {
    smtp = await startSmtpSink({ user: 'hub', pass: 'smtp-password' });
    hub = await startTestHub(emailConfig(smtp.port, [{ match: {}, channels: [], escalateAfterMs: 300, escalateTo: ['reviewers'] }]));
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.mails).toHaveLength(0);
    await eventually(() => smtp!.mails.length === 2);
    expect(readable(smtp.mails[0]!)).toMatch(/^Subject: Still waiting: delete_pod/m);
  });
});
