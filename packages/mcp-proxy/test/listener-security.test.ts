import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli-options.js';
import { listenMcpHttp, UnsafeListenerError, type McpHttpListener } from '../src/http-listener.js';
import { defaultAccess } from '../src/listener-guard.js';
import { createTestUpstream } from './fixtures/test-upstream.mjs';
import { eventually, proxyBin } from './hub-fixture.js';

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'attacker', version: '1' } },
});

/** A raw POST with whatever Host and Origin a rebinding page (or a stranger) would send. */
function post(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(initialize);
  });
}

describe('HTTP listener: DNS rebinding and the listen token', () => {
  let open: McpHttpListener;
  let guarded: McpHttpListener;
  const token = 'listen-token-0123456789abcdef';

  beforeAll(async () => {
    open = await listenMcpHttp({ port: 0, host: '127.0.0.1', createServer: () => createTestUpstream(), log: () => {} });
    guarded = await listenMcpHttp({ port: 0, host: '127.0.0.1', createServer: () => createTestUpstream(), log: () => {}, access: defaultAccess('127.0.0.1', { token }) });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('refuses a foreign Host (a rebound DNS name) and a foreign Origin with 403, before any session exists', async () => {
    const port = new URL(open.url).port;
    expect(await post(open.url, { host: `evil.example:${port}` })).toMatchObject({ status: 403, body: expect.stringContaining('Host not allowed') });
    expect(await post(open.url, { host: `127.0.0.1:${port}`, origin: 'http://evil.example' })).toMatchObject({ status: 403, body: expect.stringContaining('Origin not allowed') });
    expect(await post(open.url, { host: `localhost:${port}`, origin: 'null' })).toMatchObject({ status: 403 });
  });

  it('serves loopback Host names, and browser pages on this machine', async () => {
    const port = new URL(open.url).port;
    expect((await post(open.url, { host: `localhost:${port}` })).status).toBe(200);
    expect((await post(open.url, { host: `127.0.0.1:${port}`, origin: 'http://localhost:6274' })).status).toBe(200);
  });

  it('with a listen token: 401 without it or with a wrong one; the SDK client with it lists tools', async () => {
    const port = new URL(guarded.url).port;
    const without = await post(guarded.url, { host: `127.0.0.1:${port}` });
    expect(without.status).toBe(401);
    expect(without.body).not.toContain(token);
    expect((await post(guarded.url, { host: `127.0.0.1:${port}`, authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    // The token does not excuse a foreign Host.
    expect((await post(guarded.url, { host: `evil.example:${port}`, authorization: `Bearer ${token}` })).status).toBe(403);

    const client = new Client({ name: 'with-token', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(guarded.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('delete_record');
    await client.close();
  });

  it('will not bind a non-loopback address without a token unless forced', async () => {
    await expect(listenMcpHttp({ port: 0, host: '0.0.0.0', createServer: () => createTestUpstream(), log: () => {} })).rejects.toBeInstanceOf(UnsafeListenerError);
    const forced = await listenMcpHttp({ port: 0, host: '0.0.0.0', createServer: () => createTestUpstream(), log: () => {}, allowUnauthenticated: true });
    await forced.close();
  });

  it('the CLI exits 2 for --host 0.0.0.0 without a token, and takes the token from the env', () => {
    const env = { PATH: process.env.PATH ?? '', HUB_AGENT_TOKEN: 'agent-token-0123456789' };
    const result = spawnSync(process.execPath, [proxyBin, '--hub', 'http://localhost:4000', '--listen', '0', '--host', '0.0.0.0', '--', 'true'], { encoding: 'utf8', env, timeout: 10_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('HUB_MCP_LISTEN_TOKEN');

    const command = parseCli(['--hub', 'http://localhost:4000', '--listen', '0', '--host', '0.0.0.0', '--allowed-host', 'proxy.internal', '--', 'true'], { ...env, HUB_MCP_LISTEN_TOKEN: token });
    expect(command).toMatchObject({ kind: 'proxy', listen: { host: '0.0.0.0', access: { token, allowedHosts: expect.arrayContaining(['localhost', 'proxy.internal']) } } });
  });
});

describe('HTTP listener: sessions clients abandon', () => {
  it('closes a session with nothing open for sessionIdleMs (and its server with it); a connected one stays', async () => {
    let closed = 0;
    const listener = await listenMcpHttp({
      port: 0,
      host: '127.0.0.1',
      sessionIdleMs: 300,
      createServer: () => {
        const server = createTestUpstream();
        server.onclose = () => {
          closed++;
        };
        return server;
      },
      log: () => {},
    });
    try {
      const gone = new Client({ name: 'gone', version: '1' });
      await gone.connect(new StreamableHTTPClientTransport(new URL(listener.url)));
      const stays = new Client({ name: 'stays', version: '1' });
      await stays.connect(new StreamableHTTPClientTransport(new URL(listener.url)));
      await gone.close(); // drops its streams without DELETE, as a crashed client would
      await eventually(() => (closed === 1 ? true : undefined), 10_000, 'the abandoned session to close');
      await new Promise((r) => setTimeout(r, 600));
      expect((await stays.listTools()).tools.length).toBeGreaterThan(0);
      expect(closed).toBe(1);
      await stays.close();
    } finally {
      await listener.close();
    }
  });
});
