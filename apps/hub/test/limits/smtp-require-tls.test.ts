import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type HubConfigInput } from '../../src/config.js';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';

/** Issue #24: mail never falls back to plaintext unless asked to (decision links and the SMTP password are in it). */
function emailConfig(port: number, requireTLS: boolean | undefined): HubConfigInput {
  return {
    notifications: {
      publicUrl: 'https://hub.example.com/',
      channels: [
        {
          name: 'reviewers',
          kind: 'email',
          smtp: { host: '127.0.0.1', port, ...(requireTLS === undefined ? {} : { requireTLS }) },
          from: 'Approval Hub <hub@example.com>',
          to: [{ address: 'alice@example.com', reviewer: 'alice' }],
        },
      ],
      routes: [{ match: {}, channels: ['reviewers'] }],
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

describe('limits: smtp.requireTLS', () => {
  it('the config accepts smtp.requireTLS', () => {
    const config = parseConfig({ tokens: [{ token: 'reviewer-token-0123456789', role: 'reviewer', name: 'Alice', id: 'alice' }], ...emailConfig(25, true) });
    const channel = config.notifications?.channels[0];
    expect(channel?.kind === 'email' && channel.smtp.requireTLS).toBe(true);
  });

  it('with requireTLS, a relay without STARTTLS gets nothing and the delivery fails; a loopback relay by default is used', async () => {
    smtp = await startSmtpSink({ plaintextOnly: true });
    hub = await startTestHub(emailConfig(smtp.port, true));
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    await eventually(async () => {
      const log = await api(hub!, 'GET', '/api/notifications/deliveries', tokens.admin);
      return (log.body.items as { attempts: number; lastError: string | null }[]).some((d) => d.attempts > 0 && d.lastError !== null);
    }, 10_000);
    expect(smtp.mails).toHaveLength(0);
    await hub.close();
    // The same plaintext relay on this machine, with the default: mail goes (the traffic never leaves the host).
    hub = await startTestHub(emailConfig(smtp.port, undefined));
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    await eventually(() => smtp!.mails.length === 1, 10_000);
  });
});
