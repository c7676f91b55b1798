import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProcess, eventually, tempDir } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

const pendingId = (result: unknown): string => {
  const match = /^\[PENDING\] Approval pending \(id (mcp-[0-9a-f]+)\)/.exec(textOf(result));
  if (!match) throw new Error(`not a pending answer: ${textOf(result)}`);
  return match[1]!;
};

describe('pending-retry mode', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    proxy = await spawnProxy(['--hub', hub.url, '--name', 'records', '--mode', 'pending-retry', '--wait-ms', '250', ...recordsUpstream()], {
      HUB_AGENT_TOKEN: hub.agentToken,
      CALL_LOG: callLog,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  it('offers approval_status beside the mirrored tools', async () => {
    const tools = (await proxy.client.listTools()).tools;
    expect(tools.at(-1)).toMatchObject({ name: 'approval_status', annotations: { readOnlyHint: true } });
  });

  it('maps retries to one hub request and runs the approved call exactly once; the same arguments then ask anew', async () => {
    const call = (args: Record<string, unknown>) => proxy.client.callTool({ name: 'delete_record', arguments: args }) as Promise<CallToolResult>;
    const first = await call({ id: 'p-1', hard: true });
    const requestId = pendingId(first);
    expect(first.isError).toBe(true);

    // Retries, one with its keys in another order: same request, still pending, nothing ran.
    expect(pendingId(await call({ hard: true, id: 'p-1' }))).toBe(requestId);
    expect(pendingId(await call({ id: 'p-1', hard: true }))).toBe(requestId);
    expect((await hub.all()).map((r) => r.requestId)).toEqual([requestId]);
    expect(textOf(await proxy.client.callTool({ name: 'approval_status', arguments: { requestId } }))).toMatch(/^Pending/);
    expect(callsIn(callLog)).toEqual([]);

    // Approved while no call waits; then a burst of retries: one execution, every retry gets its result.
    await hub.decide(requestId, { approved: true });
    // The decision reaches the proxy over its socket a moment after the hub answered the reviewer.
    const status = async () => textOf(await proxy.client.callTool({ name: 'approval_status', arguments: { requestId } }));
    await eventually(async () => ((await status()).startsWith('Pending') ? undefined : true), 10_000, 'the decision at the proxy');
    expect(await status()).toMatch(/^Approved: call delete_record again/);
    const burst = await Promise.all(Array.from({ length: 6 }, () => call({ id: 'p-1', hard: true })));
    for (const result of burst) expect(result).toEqual({ content: [{ type: 'text', text: 'deleted p-1' }], structuredContent: { deleted: 'p-1' } });
    expect(callsIn(callLog)).toEqual([{ tool: 'delete_record', args: { id: 'p-1', hard: true } }]);
    expect(textOf(await proxy.client.callTool({ name: 'approval_status', arguments: { requestId } }))).toMatch(/ran\. Calling it again/);

    // After it ran, the same arguments are a new call: a new hub request, nothing runs without it.
    const again = await call({ id: 'p-1', hard: true });
    const nextId = pendingId(again);
    expect(nextId).not.toBe(requestId);
    expect((await hub.pending()).map((r) => r.requestId)).toEqual([nextId]);
    expect(callsIn(callLog)).toHaveLength(1);
    await hub.decide(nextId, { approved: false, reason: 'once was enough' });
    expect(textOf(await call({ id: 'p-1', hard: true }))).toBe('[DENIED] once was enough');
    expect(callsIn(callLog)).toHaveLength(1);
  });

  it('a decision that arrives while a retry waits runs it at once', async () => {
    const first = await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'p-2' } });
    const requestId = pendingId(first);
    const retry = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'p-2' } }, undefined, { timeout: 20_000 });
    await hub.decide(requestId, { approved: true });
    // The retry may have been answered "pending" just before the decision landed; the next one then runs it.
    let result = await retry;
    if (textOf(result).startsWith('[PENDING]')) result = await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'p-2' } });
    expect(textOf(result)).toBe('deleted p-2');
    expect(callsIn(callLog).filter((c) => c.args.id === 'p-2')).toHaveLength(1);
  });
});
