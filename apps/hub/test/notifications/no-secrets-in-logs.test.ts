import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubConfigInput } from '../../src/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { notificationSecrets } from '../../src/notifications/notification-secrets.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack.js';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

let hub: TestHub | undefined;
let sink: WebhookReceiver | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  await hub?.close();
  await sink?.close();
  await slack?.close();
});

describe('notification secrets', () => {
  it('never appear in the log, even when deliveries fail (the logger scrubs none here: nothing logs them)', async () => {
    sink = await startWebhookReceiver();
    sink.answer = () => 500;
    slack = await startFakeSlack();
    const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
    const botToken = 'xoxb-wrong-token-never-log-me';
    const signingSecret = 'signing-secret-never-log-me';
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const config = {
      logLevel: 'debug',
      notifications: {
        publicUrl: 'https://hub.example.com',
        allowPrivateTargets: true,
        channels: [
          { name: 'hook', kind: 'webhook', url: sink.url, secret: webhookSecret },
          { name: 'slack', kind: 'slack', botToken, signingSecret, channel: 'C1', apiUrl: slack.apiUrl },
        ],
        routes: [{ match: {}, channels: ['hook', 'slack'] }],
        delivery: { backoffBaseMs: 20, backoffMaxMs: 50, pollIntervalMs: 50, retryForMs: 300 },
      },
    } as HubConfigInput;
    hub = await startTestHub(config, { logger: createLogger('debug', out, { format: 'json' }) });
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, newRequest())).status).toBe(201);
    await eventually(async () => (await api(hub!, 'GET', '/api/notifications/deliveries?status=dead', tokens.admin)).body.items.length === 2);
    // Slack refused the wrong token: dead at once, with Slack's reason.
    const slackDead = (await api(hub, 'GET', '/api/notifications/deliveries?channel=slack', tokens.admin)).body.items[0];
    expect(slackDead).toMatchObject({ status: 'dead', attempts: 1, lastError: 'Slack refused: invalid_auth' });
    expect(text).toContain('notification failed');
    for (const secret of notificationSecrets(hub.hub.context.config.notifications)) expect(text).not.toContain(secret);
    expect(text).not.toContain(botToken);
  });
});
