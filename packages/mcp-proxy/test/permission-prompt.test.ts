import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HubProcess } from './hub-fixture.js';
import { spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

/** Claude Code's documented permission-prompt answer (the subset it validates). */
const ClaudeCodePermissionResult = z.discriminatedUnion('behavior', [
  z.strictObject({ behavior: z.literal('allow'), updatedInput: z.record(z.string(), z.unknown()) }),
  z.strictObject({ behavior: z.literal('deny'), message: z.string().min(1) }),
]);

describe('permission-prompt for claude --permission-prompt-tool', () => {
  const hub = new HubProcess();
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    proxy = await spawnProxy(['permission-prompt', '--hub', hub.url, '--queue', 'claude-code'], { HUB_AGENT_TOKEN: hub.agentToken });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  const ask = async (args: Record<string, unknown>) => {
    const result = (await proxy.client.callTool({ name: 'approval_prompt', arguments: args })) as CallToolResult;
    expect(result.content).toHaveLength(1);
    return ClaudeCodePermissionResult.parse(JSON.parse(textOf(result)));
  };

  it('serves one tool taking { tool_name, input, tool_use_id? }', async () => {
    const { tools } = await proxy.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['approval_prompt']);
    expect(tools[0]?.inputSchema.required).toEqual(['tool_name', 'input']);
  });

  it("allows with the reviewer's edited input, keyed by tool_use_id so a repeated ask is the same request", async () => {
    const answers = Promise.all([
      ask({ tool_name: 'Bash', input: { command: 'rm -rf build' }, tool_use_id: 'toolu_01ABC' }),
      ask({ tool_name: 'Bash', input: { command: 'rm -rf build' }, tool_use_id: 'toolu_01ABC' }),
    ]);
    const request = await hub.waitForPending('Bash');
    expect(request).toMatchObject({ requestId: 'cc-toolu_01ABC', queue: 'claude-code', agentName: 'claude-code', args: { command: 'rm -rf build' } });
    await hub.decide(request.requestId, { approved: true, args: { command: 'rm -rf build/tmp' } });
    expect(await answers).toEqual([
      { behavior: 'allow', updatedInput: { command: 'rm -rf build/tmp' } },
      { behavior: 'allow', updatedInput: { command: 'rm -rf build/tmp' } },
    ]);
    expect(await ask({ tool_name: 'Bash', input: { command: 'rm -rf build' }, tool_use_id: 'toolu_01ABC' })).toEqual({ behavior: 'allow', updatedInput: { command: 'rm -rf build/tmp' } });
    expect((await hub.all()).filter((r) => r.toolName === 'Bash')).toHaveLength(1);
  });

  it('denies with the reviewer\'s reason as the message', async () => {
    const answer = ask({ tool_name: 'Write', input: { file_path: '/etc/hosts', content: '' } });
    const request = await hub.waitForPending('Write');
    await hub.decide(request.requestId, { approved: false, reason: 'Not outside the repo' });
    expect(await answer).toEqual({ behavior: 'deny', message: '[DENIED] Not outside the repo' });
  });
});
