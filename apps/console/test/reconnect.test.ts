import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Namespace, type ReviewerClientToServerEvents, type ReviewerServerToClientEvents } from '@approval-hub/protocol';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHubSocket } from '../src/hub/hubSocket';
import { type ConsoleStore, createConsoleStore } from '../src/store/consoleStore';
import type { ConnectionStatus } from '../src/store/connectionSlice';

type HubSide = ServerSocket<ReviewerClientToServerEvents, ReviewerServerToClientEvents>;

/**
 * A real Socket.IO server standing in for the hub: its `/reviewer` handshake refuses the first `refusals`
 * attempts with `rate_limited` (as the hub's auth throttle and connection caps do), then accepts and serves an
 * empty queue. It records the transport each accepted connection opened with.
 */
async function startHub(refusals: number) {
  const http = createServer();
  const io = new Server<ReviewerClientToServerEvents, ReviewerServerToClientEvents>(http);
  const transports: string[] = [];
  const sockets: HubSide[] = [];
  let handshakes = 0;
  io.of(Namespace.reviewer).use((_socket, next) => {
    if (handshakes++ < refusals) return next(Object.assign(new Error('Too many failed attempts'), { data: { code: 'rate_limited', message: 'Too many failed attempts' } }));
    next();
  });
  io.of(Namespace.reviewer).on('connection', (socket: HubSide) => {
    sockets.push(socket);
    transports.push(socket.conn.transport.name);
    socket.on('queue.subscribe', (_payload, ack) => ack({ ok: true, data: { pending: [], serverTime: new Date().toISOString(), queues: null, nextCursor: null } }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    transports,
    sockets,
    handshakes: () => handshakes,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

function waitForConnection(store: ConsoleStore, status: ConnectionStatus, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (store.getState().connection === status) return resolve();
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`connection stayed ${store.getState().connection}, never ${status}`));
    }, timeoutMs);
    const unsubscribe = store.subscribe((state) => {
      if (state.connection !== status) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

// A reviewer console must never stay "Reconnecting…" while the hub is reachable: whatever refused or dropped it,
// it comes back by itself.
describe('the console reconnects by itself, over real sockets', () => {
  let cleanup: Array<() => Promise<void> | void> = [];
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function open(refusals: number) {
    const hub = await startHub(refusals);
    cleanup.push(hub.close);
    const store = createConsoleStore();
    const refused: unknown[] = [];
    const socket = createHubSocket({ store, origin: hub.url, onRefused: (problem) => refused.push(problem) });
    cleanup.push(() => socket.stop());
    const seen: ConnectionStatus[] = [];
    cleanup.push(store.subscribe((state, previous) => state.connection !== previous.connection && seen.push(state.connection)));
    store.getState().signIn('token');
    socket.start('token');
    return { hub, store, refused, seen };
  }

  it('a handshake refused with rate_limited shows "Reconnecting…", then retries until the hub lets it in', async () => {
    const { hub, store, refused, seen } = await open(2);
    await waitForConnection(store, 'connected', 10_000);
    expect(hub.handshakes()).toBe(3);
    expect(seen).toContain('reconnecting');
    expect(refused).toEqual([]);
  });

  it('a hub that ends the session itself (io server disconnect) is rejoined', async () => {
    const { hub, store } = await open(0);
    await waitForConnection(store, 'connected', 5_000);
    hub.sockets[0]!.disconnect(true);
    await waitForConnection(store, 'reconnecting', 2_000);
    await waitForConnection(store, 'connected', 5_000);
    expect(hub.sockets).toHaveLength(2);
  });

  it('opens with the WebSocket transport: no polling session, so no sticky sessions behind a load balancer', async () => {
    const { hub, store } = await open(0);
    await waitForConnection(store, 'connected', 5_000);
    expect(hub.transports).toEqual(['websocket']);
  });
});
