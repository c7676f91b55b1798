import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from '@playwright/test';
import { e2eTokens } from '../fixtures/hub-process.js';
import { test } from '../fixtures/test.js';

/** A webhook receiver the test controls: down (500) until it is told to come back. */
interface Receiver {
  url: string;
  up: boolean;
  bodies: string[];
}

const deliveriesTest = test.extend<{ receiver: Receiver }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's first parameter as a destructuring pattern; this fixture needs no other.
  receiver: async ({}, use) => {
    const receiver: Receiver = { url: '', up: false, bodies: [] };
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (receiver.up) receiver.bodies.push(body);
        res.writeHead(receiver.up ? 204 : 500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    await use(receiver);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  },
  hubOptions: async ({ receiver }, use) => {
    await use({
      notifications: {
        publicUrl: 'https://hub.example.com',
        allowPrivateTargets: true,
        channels: [{ name: 'siem', kind: 'webhook', url: receiver.url, secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`, events: ['approval.requested'] }],
        routes: [{ match: {}, channels: ['siem'] }],
        delivery: { backoffBaseMs: 50, backoffMaxMs: 100, pollIntervalMs: 100, retryForMs: 500 },
      },
    });
  },
});

deliveriesTest('an admin finds a dead webhook delivery in the console and redelivers it', async ({ hub, reviewers, receiver }) => {
  const asked = await hub.api('POST', '/api/approvals', e2eTokens.agent, { requestId: 'e2e-dead-letter-1', toolName: 'rotate_keys', args: { service: 'billing' }, runId: 'run-e2e' });
  expect(asked.status).toBe(201);

  const admin = await reviewers.open(e2eTokens.admin);
  const page = admin.page;
  await page.getByRole('link', { name: 'Deliveries' }).click();
  await expect(page.getByRole('heading', { name: 'Notification deliveries' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'e2e-dead-letter-1' });
  // Retries run out after half a second; Refresh until the log says so.
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row.getByRole('cell', { name: 'dead', exact: true })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row.getByRole('cell', { name: 'answered HTTP 500' })).toBeVisible();

  receiver.up = true;
  await row.getByRole('button', { name: /^Redeliver msg_/ }).click();
  await expect(page.getByText(/will be sent again now/)).toBeVisible();
  await expect.poll(() => receiver.bodies.length).toBe(1);
  expect(JSON.parse(receiver.bodies[0]!)).toMatchObject({ type: 'approval.requested', data: { requestId: 'e2e-dead-letter-1' } });
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row.getByRole('cell', { name: 'delivered', exact: true })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });

  // Reviewers have no such view.
  const reviewer = await reviewers.open(e2eTokens.reviewer);
  await expect(reviewer.page.getByRole('link', { name: 'History' })).toBeVisible();
  await expect(reviewer.page.getByRole('link', { name: 'Deliveries' })).toHaveCount(0);
});
