import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema, ToolListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProcess, eventually, tempDir, upstreamScript } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

describe('stdio proxy in front of an SDK-written server', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    proxy = await spawnProxy(['--hub', hub.url, '--name', 'records', '--require-approval', 'always', '--progress-ms', '100', '--timeout-ms', '60000', ...recordsUpstream()], {
      HUB_AGENT_TOKEN: hub.agentToken,
      CALL_LOG: callLog,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('mirrors tools verbatim: names, descriptions, input and output schemas, annotations', async () => {
    const direct = new Client({ name: 'direct', version: '1' });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [upstreamScript], env: getDefaultEnvironment() }));
    const upstreamTools = (await direct.listTools()).tools;
    await direct.close();

    const proxied = (await proxy.client.listTools()).tools;
    expect(proxied).toEqual(upstreamTools);
    expect(proxied.find((t) => t.name === 'delete_record')?.outputSchema).toEqual({ type: 'object', properties: { deleted: { type: 'string' } }, required: ['deleted'] });
    expect(proxy.client.getServerVersion()).toEqual({ name: 'records', version: '1.2.3' });
    expect(proxy.client.getInstructions()).toBe('Records server for tests.');
  });

  it('passes resources and prompts through', async () => {
    expect((await proxy.client.listResources()).resources).toEqual([{ uri: 'records://readme', name: 'readme', mimeType: 'text/plain' }]);
    expect((await proxy.client.readResource({ uri: 'records://readme' })).contents[0]).toMatchObject({ text: 'Records are kept forever unless deleted.' });
    const prompt = await proxy.client.getPrompt({ name: 'cleanup', arguments: { days: '30' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Delete records older than 30 days.' });
  });

  it('approved: runs once, with the request showing description, server name, queue and session; the result passes through', async () => {
    const before = callsIn(callLog).length;
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-1' } });
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-1');
    expect(request).toMatchObject({ agentName: 'records', queue: 'records', description: 'Deletes one record for good.', args: { id: 'r-1' } });
    expect(request.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(callsIn(callLog).length).toBe(before); // nothing ran before the decision
    await hub.decide(request.requestId, { approved: true });
    const result = (await call) as CallToolResult;
    expect(result).toEqual({ content: [{ type: 'text', text: 'deleted r-1' }], structuredContent: { deleted: 'r-1' } });
    expect(callsIn(callLog).slice(before)).toEqual([{ tool: 'delete_record', args: { id: 'r-1' } }]);
  });

  it('denied: isError with [DENIED] <reason>, and the upstream never runs', async () => {
    const before = callsIn(callLog).length;
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-2' } });
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-2');
    await hub.decide(request.requestId, { approved: false, reason: 'That record is still in use' });
    const result = (await call) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('[DENIED] That record is still in use');
    expect(callsIn(callLog).length).toBe(before);
  });

  it("edited: the reviewer's arguments are what runs", async () => {
    const before = callsIn(callLog).length;
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-3', hard: true } });
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-3');
    const decided = await hub.decide(request.requestId, { approved: true, args: { id: 'r-3-archive', hard: false } });
    expect(decided.decision?.modified).toBe(true);
    expect(textOf(await call)).toBe('deleted r-3-archive');
    expect(callsIn(callLog).slice(before)).toEqual([{ tool: 'delete_record', args: { id: 'r-3-archive', hard: false } }]);
  });

  it('blocks with progress notifications while it waits, when the client gave a progressToken', async () => {
    const progress: string[] = [];
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-4' } }, CallToolResultSchema, {
      onprogress: (p) => progress.push(p.message ?? ''),
      resetTimeoutOnProgress: true,
    });
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-4');
    await eventually(() => (progress.length >= 2 ? true : undefined), 5000, 'two progress notifications');
    expect(progress[0]).toContain(request.requestId);
    await hub.decide(request.requestId, { approved: true });
    expect(textOf(await call)).toBe('deleted r-4');
  });

  it('cancelled by the client: the hub request is cancelled and leaves the queue; nothing runs', async () => {
    const before = callsIn(callLog).length;
    const abort = new AbortController();
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-5' } }, CallToolResultSchema, { signal: abort.signal });
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-5');
    abort.abort('user pressed stop');
    await expect(call).rejects.toThrow();
    const record = await eventually(async () => {
      const r = await hub.get(request.requestId);
      return r.status === 'cancelled' ? r : undefined;
    });
    expect(record.status).toBe('cancelled');
    expect((await hub.pending()).some((r) => r.requestId === request.requestId)).toBe(false);
    expect(callsIn(callLog).length).toBe(before);

    // Asking again with the same arguments is a new request, not the cancelled one.
    const again = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'r-5' } });
    const next = await hub.waitForPending('delete_record', (r) => r.args.id === 'r-5');
    expect(next.requestId).not.toBe(request.requestId);
    await hub.decide(next.requestId, { approved: true });
    expect(textOf(await again)).toBe('deleted r-5');
  });

  it('passes list_changed through, and gates the new tool by its own annotations', async () => {
    let changed = 0;
    proxy.client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changed++;
    });
    const call = proxy.client.callTool({ name: 'add_tool', arguments: { name: 'fresh_tool' } });
    const request = await hub.waitForPending('add_tool');
    await hub.decide(request.requestId, { approved: true });
    expect(textOf(await call)).toBe('added fresh_tool');
    await eventually(() => (changed > 0 ? true : undefined), 5000, 'tools/list_changed');
    expect((await proxy.client.listTools()).tools.map((t) => t.name)).toContain('fresh_tool');
  });
});

describe('policy and timeouts', () => {
  const hub = new HubProcess([{ rule: 'no-new-tools', match: { toolName: 'add_tool' }, action: 'deny', reason: 'Tools are added by release, not by agents' }]);
  const callLog = path.join(tempDir(), 'calls.jsonl');
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    // `never`, untrusted: only what the annotations say may destroy still asks.
    proxy = await spawnProxy(['--hub', hub.url, '--name', 'records', '--require-approval', 'never', '--skip-tool', 'slow_job', '--approve-tool', 'add_tool', '--timeout-ms', '1000', ...recordsUpstream()], {
      HUB_AGENT_TOKEN: hub.agentToken,
      CALL_LOG: callLog,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('lets non-destructive and operator-vouched tools through without asking the hub', async () => {
    expect(textOf(await proxy.client.callTool({ name: 'read_record', arguments: { id: 'a' } }))).toBe('record a');
    expect(textOf(await proxy.client.callTool({ name: 'tag_record', arguments: { id: 'a', tag: 'x' } }))).toBe('tagged a x');
    expect(textOf(await proxy.client.callTool({ name: 'slow_job', arguments: { ms: 1 } }))).toBe('slept 1');
    expect(await hub.all()).toEqual([]);
    expect(callsIn(callLog).map((c) => c.tool)).toEqual(['read_record', 'tag_record', 'slow_job']);
  });

  it('hub policies apply to calls the proxy sends: a deny rule answers at once', async () => {
    const result = (await proxy.client.callTool({ name: 'add_tool', arguments: { name: 'sneaky' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('[DENIED] Tools are added by release, not by agents');
    expect(callsIn(callLog).some((c) => c.tool === 'add_tool')).toBe(false);
    const records = await hub.all();
    expect(records.find((r) => r.toolName === 'add_tool')).toMatchObject({ status: 'denied', agentName: 'records' });
  });

  it('timed out (expired): [TIMEOUT] telling the model not to retry or work around it; nothing runs', async () => {
    const before = callsIn(callLog).length;
    const result = (await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'late' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^\[TIMEOUT\] .*Do not retry this call and do not try to reach the same result another way/);
    expect((await hub.all()).find((r) => r.toolName === 'delete_record')).toMatchObject({ status: 'expired' });
    expect(callsIn(callLog).length).toBe(before);
  });

  it('fails cleanly when the upstream crashes after approval, and answers later calls without asking reviewers', async () => {
    const call = proxy.client.callTool({ name: 'crash', arguments: {} });
    const request = await hub.waitForPending('crash');
    await hub.decide(request.requestId, { approved: true });
    const result = (await call) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^\[UPSTREAM UNAVAILABLE\] crash was not run/);
    const countBefore = (await hub.all()).length;
    const next = (await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'after-crash' } })) as CallToolResult;
    expect(next.isError).toBe(true);
    expect(textOf(next)).toContain('upstream MCP server has exited');
    expect((await hub.all()).length).toBe(countBefore);
  });
});
