import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig, type HubConfigInput } from '../../src/config.js';
import { isLoopbackHost, isPrivateAddress } from '../../src/notifications/private-targets.js';
import { api, eventually, newRequest, startTestHub, tokens, type TestHub } from '../support/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const secret = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const withWebhook = (url: string, allowPrivateTargets?: boolean) =>
  ({
    notifications: {
      publicUrl: 'https://hub.example.com',
      ...(allowPrivateTargets === undefined ? {} : { allowPrivateTargets }),
      channels: [{ name: 'hook', kind: 'webhook', url, secret }],
      routes: [{ match: {}, channels: ['hook'] }],
      delivery: { backoffBaseMs: 40, pollIntervalMs: 50, timeoutMs: 2000 },
    },
  }) as HubConfigInput;

let hub: TestHub | undefined;
let sink: WebhookReceiver | undefined;
afterEach(async () => {
  await hub?.close();
  await sink?.close();
  hub = undefined;
  sink = undefined;
});

describe('webhook targets in private ranges are refused (SSRF)', () => {
  it('classifies addresses: only ordinary public unicast is allowed', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(address), address).toBe(false);
    // Only this machine counts as loopback (an SMTP relay there is not asked for a verified certificate).
    for (const host of ['localhost', 'LOCALHOST.', '127.0.0.1', '127.1.2.3', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['10.0.0.1', 'smtp.example.com', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('refuses loopback and private webhook URLs at config load unless allowPrivateTargets is set', () => {
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://LOCALHOST./x', 'http://api.localhost/x', 'http://[::1]/x', 'http://[::ffff:7f00:1]/x', 'http://10.0.0.5/x', 'http://169.254.169.254/latest/meta-data']) {
      expect(() => parseConfig(withWebhook(url)), url).toThrow(/notifications\.channels\.0\.url: targets a loopback or private address/);
    }
    expect(() => parseConfig(withWebhook('http://127.0.0.1:9/x', true))).not.toThrow();
    expect(() => parseConfig(withWebhook('https://hooks.example.com/x'))).not.toThrow();
  });

  it('refuses at delivery time when a host name resolves to a private address, and sends nothing', async () => {
    const name = hostname();
    const { address } = await lookup(name);
    // This machine's own name resolves to one of its (private) addresses on any ordinary host or container.
    expect(isPrivateAddress(address)).toBe(true);
    sink = await startWebhookReceiver();
    const port = new URL(sink.url).port;
    hub = await startTestHub(withWebhook(`http://${name}:${port}/hooks`, false));
    const input = newRequest();
    expect((await api(hub, 'POST', '/api/approvals', tokens.agent, input)).status).toBe(201);
    let dead: { lastError: string; attempts: number } | undefined;
    await eventually(async () => {
      dead = (await api(hub!, 'GET', '/api/notifications/deliveries?status=dead', tokens.admin)).body.items[0];
      return dead !== undefined;
    });
    expect(dead).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/^refused: .* resolves to a loopback or private address$/) });
    expect(sink.received).toHaveLength(0);
  });

  it('never logs a webhook secret in a config error', () => {
    const bad = withWebhook('http://127.0.0.1/x');
    expect(() => parseConfig(bad)).toThrow();
    try {
      parseConfig(bad);
    } catch (error) {
      expect(String(error)).not.toContain(secret.slice(6));
    }
  });
});
