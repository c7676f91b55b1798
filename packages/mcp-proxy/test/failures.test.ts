import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@approval-hub/test-ports';
import { HubProcess, tempDir } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

describe('failing closed', () => {
  const proxies: SpawnedProxy[] = [];
  const hubs: HubProcess[] = [];
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(hubs.map((h) => h.stop()));
  });

  it('hub down: a gated call fails with a clear error and the upstream never runs; ungated tools still work', async () => {
    const callLog = path.join(tempDir(), 'calls.jsonl');
    const port = await freePort();
    const proxy = await spawnProxy(['--hub', `http://127.0.0.1:${port}`, '--connect-timeout-ms', '500', '--skip-tool', 'read_record', ...recordsUpstream()], {
      HUB_AGENT_TOKEN: 'agent-token-nobody-listens',
      CALL_LOG: callLog,
    });
    proxies.push(proxy);
    const result = (await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'x' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `[APPROVAL UNAVAILABLE] delete_record was not run: the approval hub at http://127.0.0.1:${port} is unreachable (no connection within 500 ms). Nothing runs without a decision.`,
    );
    expect(callsIn(callLog)).toEqual([]);
    expect(textOf(await proxy.client.callTool({ name: 'read_record', arguments: { id: 'x' } }))).toBe('record x');
  });

  it('token refused: a clear error naming the cause, the token never logged, nothing runs', async () => {
    const hub = await new HubProcess().start();
    hubs.push(hub);
    const callLog = path.join(tempDir(), 'calls.jsonl');
    const badToken = 'agent-token-that-the-hub-never-issued';
    const proxy = await spawnProxy(['--hub', hub.url, ...recordsUpstream()], { HUB_AGENT_TOKEN: badToken, CALL_LOG: callLog });
    proxies.push(proxy);
    const result = (await proxy.client.callTool({ name: 'delete_record', arguments: { id: 'x' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("the approval hub refused this proxy's agent token (unauthorized)");
    expect(callsIn(callLog)).toEqual([]);
    expect(await hub.all()).toEqual([]);
    expect(proxy.stderr()).not.toContain(badToken);
  });

  it('the hub is killed and restarted in the middle of a blocked call: the call gets the decision and runs once', async () => {
    const hub = await new HubProcess().start();
    hubs.push(hub);
    const callLog = path.join(tempDir(), 'calls.jsonl');
    const proxy = await spawnProxy(['--hub', hub.url, ...recordsUpstream()], { HUB_AGENT_TOKEN: hub.agentToken, CALL_LOG: callLog });
    proxies.push(proxy);
    const call = proxy.client.callTool({ name: 'delete_record', arguments: { id: 'survivor' } });
    const request = await hub.waitForPending('delete_record');
    await hub.kill();
    await hub.start();
    expect((await hub.get(request.requestId)).status).toBe('pending');
    await hub.decide(request.requestId, { approved: true });
    expect(textOf(await call)).toBe('deleted survivor');
    expect(callsIn(callLog)).toEqual([{ tool: 'delete_record', args: { id: 'survivor' } }]);
    expect(proxy.stderr()).not.toContain(hub.agentToken);
  });
});
