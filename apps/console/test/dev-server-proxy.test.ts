import path from 'node:path';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { io, type Socket } from 'socket.io-client';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `pnpm --filter @approval-hub/console dev` against a real hub: the browser's origin is the dev server's, and the
// WebSocket upgrade and the REST calls it proxies must not be refused as a foreign origin.
let hub: HubProcess;
let vite: ViteDevServer;
let devUrl: string;

beforeAll(async () => {
  hub = await startHub({ startTimeoutMs: 50_000 });
  process.env.HUB_URL = hub.url;
  vite = await createServer({
    configFile: path.resolve(import.meta.dirname, '../vite.config.ts'),
    server: { port: 0, host: '127.0.0.1', strictPort: false },
    logLevel: 'silent',
  });
  await vite.listen();
  devUrl = vite.resolvedUrls!.local[0]!.replace(/\/$/, '');
}, 60_000);

afterAll(async () => {
  await vite?.close();
  await hub?.dispose();
});

describe('the Vite dev server in front of a hub', () => {
  it('upgrades the console socket to a WebSocket with the dev server as the browser origin', async () => {
    const socket: Socket = io(`${devUrl}/reviewer`, {
      transports: ['websocket'],
      extraHeaders: { origin: devUrl },
      auth: { token: hub.reviewerToken },
      reconnection: false,
    });
    try {
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(`refused: ${error.message}`));
      });
      expect(outcome).toBe('connected');
      expect(socket.io.engine.transport.name).toBe('websocket');
    } finally {
      socket.close();
    }
  }, 30_000);

  it('answers REST calls sent with the dev server as the browser origin', async () => {
    const response = await fetch(`${devUrl}/api/me`, { headers: { origin: devUrl, authorization: `Bearer ${hub.reviewerToken}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { role: string }).role).toBe('reviewer');
  }, 30_000);
});
