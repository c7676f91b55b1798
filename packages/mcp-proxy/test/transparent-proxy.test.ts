import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenMcpHttp, type McpHttpListener } from '../src/http-listener.js';
import { createInteractiveUpstream } from './fixtures/interactive-upstream.mjs';
import { HubProcess, eventually, proxyBin } from './hub-fixture.js';
import { textOf } from './proxy-client.js';

interface TestClient {
  client: Client;
  logs: string[];
  sampled: string[];
}

async function connectClient(url: string, name: string): Promise<TestClient> {
  const client = new Client({ name, version: '1' }, { capabilities: { sampling: {}, elicitation: { form: {} } } });
  const logs: string[] = [];
  const sampled: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(String(n.params.data));
  });
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    const first = request.params.messages[0]?.content;
    sampled.push(first && 'text' in first ? String(first.text) : '');
    return { model: `${name}-model`, role: 'assistant', content: { type: 'text', text: `hi from ${name}` } };
  });
  client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { name: `${name}-user` } }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, logs, sampled };
}

describe('a transparent proxy: each client session gets what its own requests caused, and nothing else', () => {
  const hub = new HubProcess();
  let upstream: McpHttpListener;
  let proxyProcess: ChildProcess;
  let a: TestClient;
  let b: TestClient;

  beforeAll(async () => {
    await hub.start();
    upstream = await listenMcpHttp({ port: 0, host: '127.0.0.1', createServer: () => createInteractiveUpstream(), log: () => {} });
    const args = ['--hub', hub.url, '--name', 'interactive', '--upstream-url', upstream.url, '--listen', '0', '--mode', 'block', '--progress-ms', '100'];
    for (const tool of ['say', 'ask_model', 'ask_user']) args.push('--skip-tool', tool);
    proxyProcess = spawn(process.execPath, [proxyBin, ...args], { env: { ...getDefaultEnvironment(), HUB_AGENT_TOKEN: hub.agentToken }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proxyProcess.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await eventually(() => /serving MCP at (\S+)/.exec(stderr)?.[1], 10_000, 'the proxy to listen');
    a = await connectClient(url, 'A');
    b = await connectClient(url, 'B');
  });
  afterAll(async () => {
    await a?.client.close();
    await b?.client.close();
    if (proxyProcess && proxyProcess.exitCode === null) {
      const exited = new Promise((r) => proxyProcess.once('exit', r));
      proxyProcess.kill('SIGTERM');
      await exited;
    }
    await upstream?.close();
    await hub.stop();
  });

  it("upstream logs reach only the session whose call caused them; one session's log level leaves the other's alone", async () => {
    expect(textOf(await a.client.callTool({ name: 'say', arguments: { text: 'A one' } }))).toBe('A one');
    expect(textOf(await b.client.callTool({ name: 'say', arguments: { text: 'B one' } }))).toBe('B one');
    expect(textOf(await a.client.callTool({ name: 'say', arguments: { text: 'A two' } }))).toBe('A two');
    expect(a.logs).toEqual(['A one', 'A two']);
    expect(b.logs).toEqual(['B one']);

    await b.client.setLoggingLevel('error');
    await b.client.callTool({ name: 'say', arguments: { text: 'B quiet' } });
    await a.client.callTool({ name: 'say', arguments: { text: 'A three' } });
    expect(b.logs).toEqual(['B one']);
    expect(a.logs).toEqual(['A one', 'A two', 'A three']);
  });

  it("sampling and elicitation from the upstream reach the calling client, never the other", async () => {
    expect(textOf(await a.client.callTool({ name: 'ask_model', arguments: { prompt: 'haiku please' } }))).toBe('model said: hi from A');
    expect(a.sampled).toEqual(['haiku please']);
    expect(b.sampled).toEqual([]);
    expect(textOf(await b.client.callTool({ name: 'ask_user', arguments: {} }))).toBe('hello B-user');
    expect(textOf(await a.client.callTool({ name: 'ask_user', arguments: {} }))).toBe('hello A-user');
  });

  it('a gated call: waiting messages (who decides, queue, time left), then the upstream progress, one increasing sequence', async () => {
    const progress: Progress[] = [];
    const call = a.client.callTool({ name: 'count', arguments: { steps: 3 } }, CallToolResultSchema, { onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true });
    const request = await hub.waitForPending('count');
    await eventually(() => (progress.length >= 2 ? true : undefined), 10_000, 'two waiting messages');
    await hub.decide(request.requestId, { approved: true });
    expect(textOf(await call)).toBe('counted 3');
    await eventually(() => (progress.some((p) => p.message === 'step 3') ? true : undefined), 5000, 'the last upstream step');

    expect(progress[0]?.message).toMatch(new RegExp(`^Waiting for a reviewer of queue "interactive" on Approval Hub \\(or a hub policy\\) to decide on count \\(request ${request.requestId}\\): waited \\d+ s`));
    const values = progress.map((p) => p.progress);
    expect(values).toEqual([...values].sort((x, y) => x - y));
    expect(new Set(values).size).toBe(values.length);
    const upstreamSteps = progress.filter((p) => p.message?.startsWith('step '));
    expect(upstreamSteps.map((p) => p.message)).toEqual(['step 0', 'step 1', 'step 2', 'step 3']);
    // The upstream's total moves with its values, so progress/total still reaches 1 at the end.
    const last = upstreamSteps.at(-1)!;
    expect(last.progress).toBe(last.total);
    expect(b.logs).toEqual(['B one']);
  });
});
