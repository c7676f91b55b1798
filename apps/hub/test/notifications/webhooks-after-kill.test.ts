import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startHubProcess } from '../support/run-cli.js';
import { defaultTokens, eventually, newRequest, tokens } from '../support/test-hub.js';

const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('webhooks across a real crash', () => {
  it('a hub SIGKILLed in the middle of sending a webhook delivers it after restart, under the same webhook-id', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hub-webhook-kill-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // While `hanging`, the receiver never answers: the first hub is mid-send when it is killed.
    let hanging = true;
    const held: { headers: IncomingHttpHeaders; drop: () => void }[] = [];
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (hanging) {
          held.push({ headers: req.headers, drop: () => res.destroy() });
          return;
        }
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise((resolve) => {
          receiver.closeAllConnections();
          receiver.close(resolve);
        }),
    );
    const configFile = path.join(dir, 'hub.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        port: 0,
        dbPath: './hub.db',
        tokens: defaultTokens,
        demo: { enabled: false },
        logLevel: 'warn',
        notifications: {
          publicUrl: 'https://hub.example.com',
          allowPrivateTargets: true,
          channels: [{ name: 'hook', kind: 'webhook', url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, secret }],
          routes: [{ match: {}, channels: ['hook'] }],
          delivery: { backoffBaseMs: 50, pollIntervalMs: 50, timeoutMs: 30_000 },
        },
      }),
    );

    const first = startHubProcess(['--config', configFile]);
    cleanups.push(() => first.stop('SIGKILL'));
    const url = await first.ready;
    const input = newRequest();
    const res = await fetch(`${url}/api/approvals`, { method: 'POST', headers: { authorization: `Bearer ${tokens.agent}`, 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(res.status).toBe(201);
    await eventually(() => held.length === 1);
    await first.stop('SIGKILL');
    for (const request of held) request.drop();

    hanging = false;
    const second = startHubProcess(['--config', configFile]);
    cleanups.push(() => second.stop());
    await second.ready;
    // Well within the 95 s lease the killed hub's claim carried: a restart releases it.
    await eventually(() => received.length === 1, 5000);
    const delivered = received[0]!;
    expect(delivered.headers['webhook-id']).toBe(held[0]!.headers['webhook-id']);
    const body = new Webhook(secret).verify(delivered.body, {
      'webhook-id': String(delivered.headers['webhook-id']),
      'webhook-timestamp': String(delivered.headers['webhook-timestamp']),
      'webhook-signature': String(delivered.headers['webhook-signature']),
    });
    expect(body).toMatchObject({ type: 'approval.requested', data: { requestId: input.requestId, status: 'pending' } });
  });
});
