import { connect, type Socket as NetSocket } from 'node:net';
import { Namespace } from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { connectError, connected, eventually, startTestHub, tokens, type TestHub } from './support/test-hub.js';

/** Issue #9: sockets per token and connections in total are capped; idle TCP connections cannot starve the hub. */
let hub: TestHub | null = null;
const extra: Socket[] = [];
const raw: NetSocket[] = [];

afterEach(async () => {
  for (const s of extra.splice(0)) s.disconnect();
  for (const s of raw.splice(0)) s.destroy();
  await hub?.close();
  hub = null;
});

/** A client with its own Engine.IO connection and no reconnection, so each one is one connection. */
function client(url: string, nsp: string, token: string | undefined): Socket {
  const socket = io(`${url}${nsp}`, { auth: token === undefined ? {} : { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  extra.push(socket);
  return socket;
}

const outcome = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: Error & { data?: { code: string } }) => resolve(error.data?.code ?? error.message));
  });

function openIdle(port: number): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
    raw.push(socket);
  });
}

describe('connection caps', () => {
  it('refuses a token its socket beyond limits.maxSocketsPerToken with rate_limited, and frees the slot on disconnect', async () => {
    hub = await startTestHub({ limits: { maxSocketsPerToken: 3 } });
    const first = [0, 1, 2].map(() => client(hub!.url, Namespace.agent, tokens.agent));
    await Promise.all(first.map(connected));
    const fourth = client(hub.url, Namespace.agent, tokens.agent);
    const refused = await connectError(fourth);
    expect(refused.data).toMatchObject({ code: 'rate_limited' });
    // Other tokens are not affected.
    await connected(client(hub.url, Namespace.agent, tokens.agent2));
    first[0]!.disconnect();
    await eventually(async () => (await outcome(client(hub!.url, Namespace.agent, tokens.agent))) === 'connected');
  });

  it('holds the per-token cap against a burst of parallel handshakes', async () => {
    hub = await startTestHub({ limits: { maxSocketsPerToken: 4 } });
    const burst = Array.from({ length: 12 }, () => client(hub!.url, Namespace.reviewer, tokens.reviewer));
    const results = await Promise.all(burst.map(outcome));
    expect(results.filter((r) => r === 'connected')).toHaveLength(4);
    expect(results.filter((r) => r === 'rate_limited')).toHaveLength(8);
  });

  it('refuses handshakes beyond limits.maxConnections with rate_limited, before the token is looked at', async () => {
    hub = await startTestHub({ limits: { maxConnections: 3 } });
    const held = [tokens.agent, tokens.agent2, tokens.reviewer].map((t, i) => client(hub!.url, i < 2 ? Namespace.agent : Namespace.reviewer, t));
    await Promise.all(held.map(connected));
    expect((await connectError(client(hub.url, Namespace.reviewer, tokens.reviewer2))).data).toMatchObject({ code: 'rate_limited' });
    // Counted before authentication: an unknown token is refused for the cap, not looked up.
    expect((await connectError(client(hub.url, Namespace.agent, 'not-a-token-0123456789'))).data).toMatchObject({ code: 'rate_limited' });
    held[0]!.disconnect();
    await eventually(async () => (await outcome(client(hub!.url, Namespace.reviewer, tokens.reviewer2))) === 'connected');
  });

  it('closes the oldest idle TCP connections beyond limits.maxIdleConnections, so /api/health still answers', async () => {
    hub = await startTestHub({ limits: { maxIdleConnections: 20 } });
    const idle = await Promise.all(Array.from({ length: 60 }, () => openIdle(hub!.port)));
    const closed = () => idle.filter((s) => s.destroyed || s.readableEnded).length;
    for (const s of idle) s.on('close', () => undefined);
    await eventually(() => closed() >= 40);
    // The newest were kept and the oldest dropped.
    expect(idle.slice(-20).every((s) => !s.destroyed && !s.readableEnded)).toBe(true);
    const health = await fetch(`${hub.url}/api/health`);
    expect(health.status).toBe(200);
    expect(hub.hub.httpServer.maxConnections).toBe(10_000 + 100);
  });

  it('closes a connection that trickles its headers after limits.headersTimeoutMs', async () => {
    hub = await startTestHub({ limits: { headersTimeoutMs: 1000 } });
    const slow = await openIdle(hub.port);
    slow.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      slow.on('data', (chunk: Buffer) => (text += chunk.toString()));
      slow.once('close', () => resolve(text));
    });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
  });
});
