import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, connectHub, defineTool, openAICompatibleModel, scriptedModel, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

let hub: HubProcess;
const clients: HubClient[] = [];

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub.dispose();
});
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function connect(target: HubProcess = hub): HubClient {
  const client = connectHub({ url: target.url, token: target.agentToken, agentName: 'ops-bot' });
  clients.push(client);
  return client;
}

function setUp(client: HubClient, timeoutMs = 60_000) {
  const execute = vi.fn((args: { service: string; replicas: number }) => `scaled ${args.service} to ${args.replicas}`);
  const scale = defineTool({
    name: 'scale_service',
    description: 'Changes the number of replicas of a service',
    parameters: z.object({ service: z.string(), replicas: z.int().min(0) }),
    execute,
  });
  const agent = new Agent({
    name: 'ops',
    model: scriptedModel([{ toolCalls: [{ name: 'scale_service', args: { service: 'api', replicas: 0 } }] }, 'done']),
    tools: [scale],
    approval: { policy: 'all', hub: client, queue: 'ops', timeoutMs },
  });
  return { agent, execute };
}

describe('an agent asking a real hub', () => {
  it('sends the tool call with its description, queue, timeout and run id, and runs it once approved', async () => {
    const { agent, execute } = setUp(connect());
    const run = agent.run('scale down api', { runId: 'run-approve', conversationId: 'conv-1' });
    const record = await hub.waitForPending((r) => r.runId === 'run-approve');
    await hub.decide(record.requestId, { approved: true });

    const result = await run;

    expect(record).toMatchObject({
      toolName: 'scale_service',
      args: { service: 'api', replicas: 0 },
      agentName: 'ops-bot',
      conversationId: 'conv-1',
      description: 'Changes the number of replicas of a service',
      queue: 'ops',
    });
    expect(Date.parse(record.expiresAt) - Date.parse(record.createdAt)).toBe(60_000);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(result.toolCalls).toMatchObject([{ approval: 'approved', result: 'scaled api to 0' }]);
  });

  it('runs a reviewer edit with exactly the edited arguments', async () => {
    const { agent, execute } = setUp(connect());
    const run = agent.run('scale down api', { runId: 'run-edit' });
    const record = await hub.waitForPending((r) => r.runId === 'run-edit');
    await hub.decide(record.requestId, { approved: true, args: { service: 'api', replicas: 2 } });

    const result = await run;

    expect(execute.mock.calls[0]?.[0]).toStrictEqual({ service: 'api', replicas: 2 });
    expect(result.toolCalls[0]).toMatchObject({ approval: 'edited', args: { service: 'api', replicas: 2 } });
    expect(result.toolCalls[0]?.result).toContain('"replicas":2');
  });

  it('a request the hub expires (deny on timeout) is a timeout, and the call is not made', async () => {
    const { agent, execute } = setUp(connect(), 1000);

    const result = await agent.run('scale down api', { runId: 'run-timeout' });

    expect(execute).not.toHaveBeenCalled();
    expect(result.toolCalls[0]).toMatchObject({ approval: 'timeout', executed: false });
    expect(result.toolCalls[0]?.result).toMatch(/^\[TIMEOUT\] No reviewer decided on this call in time/);
  });

  it('a denial reaches the model with its reason', async () => {
    const { agent, execute } = setUp(connect());
    const run = agent.run('scale down api', { runId: 'run-deny' });
    const record = await hub.waitForPending((r) => r.runId === 'run-deny');
    await hub.decide(record.requestId, { approved: false, reason: 'Peak hours' });

    const result = await run;

    expect(result.toolCalls[0]?.result).toBe('[DENIED] Peak hours');
    expect(result.messages.find((m) => m.role === 'tool')).toMatchObject({ content: '[DENIED] Peak hours' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('aborting the run cancels the pending request on the hub', async () => {
    const { agent } = setUp(connect());
    const controller = new AbortController();
    const run = agent.run('scale down api', { runId: 'run-abort', signal: controller.signal });
    const record = await hub.waitForPending((r) => r.runId === 'run-abort');

    controller.abort();

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(async () => (await hub.get(record.requestId))?.status).toBe('cancelled');
  });
});

describe('openAICompatibleModel with a real hub', () => {
  it('a chat-completions model’s tool call goes to the reviewer, and the denial reaches the model in the next request', async () => {
    const bodies: { messages: unknown[] }[] = [];
    const replies = [
      { content: null, tool_calls: [{ id: 'call_llm_1', type: 'function', function: { name: 'scale_service', arguments: '{"service":"api","replicas":0}' } }] },
      { content: 'I could not scale api down: it was denied.' },
    ];
    const llm = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text) as { messages: unknown[] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', ...replies.shift() } }] }));
      });
    });
    await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve));
    try {
      const execute = vi.fn(() => 'scaled');
      const agent = new Agent({
        name: 'ops',
        model: openAICompatibleModel({ baseURL: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`, model: 'local-model' }),
        tools: [defineTool({ name: 'scale_service', description: 'Scales a service', parameters: z.object({ service: z.string(), replicas: z.int() }), execute })],
        approval: { policy: 'all', hub: connect() },
      });
      const run = agent.run('scale api to zero', { runId: 'run-llm' });
      const record = await hub.waitForPending((r) => r.runId === 'run-llm');
      await hub.decide(record.requestId, { approved: false, reason: 'Not during the sale' });

      const result = await run;

      expect(record).toMatchObject({ toolName: 'scale_service', args: { service: 'api', replicas: 0 } });
      expect(execute).not.toHaveBeenCalled();
      expect(result.output).toBe('I could not scale api down: it was denied.');
      expect(bodies[1]?.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_llm_1', content: '[DENIED] Not during the sale' });
    } finally {
      await new Promise<void>((resolve) => llm.close(() => resolve()));
    }
  });
});

describe('a hub whose timeout rule approves', () => {
  let approvingHub: HubProcess;
  beforeAll(async () => {
    approvingHub = await startHub({ config: { approval: { defaultOnTimeout: 'approve' } } });
  });
  afterAll(async () => {
    await approvingHub.dispose();
  });

  it('runs the call when the request expires approved', async () => {
    const { agent, execute } = setUp(connect(approvingHub), 1000);

    const result = await agent.run('scale down api', { runId: 'run-approve-on-timeout' });

    expect(execute).toHaveBeenCalledTimes(1);
    expect(result.toolCalls[0]).toMatchObject({ approval: 'approved', executed: true });
    expect((await approvingHub.list({ status: 'expired' })).map((r) => r.runId)).toEqual(['run-approve-on-timeout']);
  });
});
