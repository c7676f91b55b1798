import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenMcpHttp, type McpHttpListener } from '../src/http-listener.js';
import { createTestUpstream } from './fixtures/test-upstream.mjs';
import { HubProcess, eventually, proxyBin, tempDir } from './hub-fixture.js';
import { callsIn, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

const require = createRequire(import.meta.url);
const filesystemServer = path.join(path.dirname(require.resolve('@modelcontextprotocol/server-filesystem/package.json')), 'dist/index.js');

describe('Streamable HTTP on both sides', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  let upstream: McpHttpListener;
  let proxyProcess: ChildProcess;
  let client: Client;

  beforeAll(async () => {
    await hub.start();
    upstream = await listenMcpHttp({ port: 0, host: '127.0.0.1', createServer: () => createTestUpstream(callLog), log: () => {} });
    proxyProcess = spawn(process.execPath, [proxyBin, '--hub', hub.url, '--name', 'records-http', '--upstream-url', upstream.url, '--listen', '0'], {
      env: { ...getDefaultEnvironment(), HUB_AGENT_TOKEN: hub.agentToken },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proxyProcess.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await eventually(() => /serving MCP at (\S+)/.exec(stderr)?.[1], 10_000, 'the proxy to listen');
    client = new Client({ name: 'http-client', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  });
  afterAll(async () => {
    await client?.close();
    if (proxyProcess && proxyProcess.exitCode === null) {
      const exited = new Promise((r) => proxyProcess.once('exit', r));
      proxyProcess.kill('SIGTERM');
      await exited;
    }
    await upstream?.close();
    await hub.stop();
  });

  it('mirrors the tools (plus approval_status: --listen defaults to pending-retry) and runs an approved call with the MCP session as runId', async () => {
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['delete_record', 'read_record', 'tag_record', 'slow_job', 'crash', 'add_tool', 'approval_status']);
    const call = client.callTool({ name: 'delete_record', arguments: { id: 'h-1' } });
    const request = await hub.waitForPending('delete_record');
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId;
    expect(request).toMatchObject({ agentName: 'records-http', runId: sessionId });
    await hub.decide(request.requestId, { approved: true });
    expect(await call).toEqual({ content: [{ type: 'text', text: 'deleted h-1' }], structuredContent: { deleted: 'h-1' } });
    expect(callsIn(callLog)).toEqual([{ tool: 'delete_record', args: { id: 'h-1' } }]);
  });
});

describe('@modelcontextprotocol/server-filesystem behind the proxy', () => {
  const hub = new HubProcess();
  const root = tempDir('mcp-proxy-fs-');
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    writeFileSync(path.join(root, 'notes.txt'), 'keep me');
    // Trusted: its read-only tools skip approval; its writes still ask.
    proxy = await spawnProxy(['--hub', hub.url, '--name', 'fs', '--trusted', '--', process.execPath, filesystemServer, root], { HUB_AGENT_TOKEN: hub.agentToken });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('lists exactly the tools the server itself lists', async () => {
    const direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [filesystemServer, root], env: getDefaultEnvironment(), stderr: 'ignore' }));
    const expected = (await direct.listTools()).tools;
    await direct.close();
    expect((await proxy.client.listTools()).tools).toEqual(expected);
    expect(expected.find((t) => t.name === 'write_file')?.annotations?.destructiveHint).toBe(true);
  });

  it('reads without asking on a trusted server; a write waits for approval and writes what the reviewer decided', async () => {
    const read = (await proxy.client.callTool({ name: 'read_text_file', arguments: { path: path.join(root, 'notes.txt') } })) as CallToolResult;
    expect(textOf(read)).toContain('keep me');
    expect(await hub.all()).toEqual([]);

    const target = path.join(root, 'out.txt');
    const write = proxy.client.callTool({ name: 'write_file', arguments: { path: target, content: 'from the model' } });
    const request = await hub.waitForPending('write_file');
    expect(request.queue).toBe('fs');
    expect(existsSync(target)).toBe(false);
    await hub.decide(request.requestId, { approved: true, args: { path: target, content: 'from the reviewer' } });
    expect(((await write) as CallToolResult).isError).toBeFalsy();
    expect(readFileSync(target, 'utf8')).toBe('from the reviewer');
  });

  it('a denied write leaves the disk alone', async () => {
    const target = path.join(root, 'notes.txt');
    const write = proxy.client.callTool({ name: 'write_file', arguments: { path: target, content: 'overwritten' } });
    const request = await hub.waitForPending('write_file');
    await hub.decide(request.requestId, { approved: false, reason: 'No' });
    expect(textOf(await write)).toBe('[DENIED] No');
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});
