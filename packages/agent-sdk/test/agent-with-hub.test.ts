import type { ApprovalRecord, Decision } from '@approval-hub/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Agent, connectHub, defineTool, scriptedModel, type HubClient } from '../src/index.js';
import { TEST_TOKEN, TestHub } from './support/test-hub.js';

let hub: TestHub;
let client: HubClient;

beforeEach(async () => {
  hub = new TestHub();
  await hub.start();
  client = connectHub({ url: hub.url, token: TEST_TOKEN, agentName: 'ops-bot', requestTimeoutMs: 500 });
});

afterEach(async () => {
  client.close();
  await hub.stop();
});

function setUp() {
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
    approval: { policy: 'all', hub: client, queue: 'ops', timeoutMs: 60_000 },
  });
  return { agent, execute };
}

/** Decides the first request the hub receives, as a reviewer (or the hub's clock) would. */
async function decideFirstRequest(decision: Partial<Decision> & { approved: boolean }, status?: ApprovalRecord['status']): Promise<ApprovalRecord> {
  await expect.poll(() => hub.records.size).toBe(1);
  const [record] = [...hub.records.values()];
  if (!record) throw new Error('no request');
  await hub.decide(record.requestId, decision, status);
  return record;
}

describe('an agent asking the hub', () => {
  it('sends the tool call with its description, queue, timeout and run id, and runs it once approved', async () => {
    const { agent, execute } = setUp();
    const run = agent.run('scale down api', { runId: 'run-1', conversationId: 'conv-1' });
    const record = await decideFirstRequest({ approved: true });

    const result = await run;

    expect(record).toMatchObject({
      toolName: 'scale_service',
      args: { service: 'api', replicas: 0 },
      agentName: 'ops-bot',
      runId: 'run-1',
      conversationId: 'conv-1',
      description: 'Changes the number of replicas of a service',
      queue: 'ops',
    });
    expect(Date.parse(record.expiresAt) - Date.parse(record.createdAt)).toBe(60_000);
    expect(execute).toHaveBeenCalledTimes(1);
    expect(result.toolCalls).toMatchObject([{ approval: 'approved', result: 'scaled api to 0' }]);
  });

  it('runs a reviewer edit with exactly the edited arguments', async () => {
    const { agent, execute } = setUp();
    const run = agent.run('scale down api');
    await decideFirstRequest({ approved: true, modified: true, args: { service: 'api', replicas: 2 } });

    const result = await run;

    expect(execute.mock.calls[0]?.[0]).toStrictEqual({ service: 'api', replicas: 2 });
    expect(result.toolCalls[0]).toMatchObject({ approval: 'edited', args: { service: 'api', replicas: 2 } });
    expect(result.toolCalls[0]?.result).toContain('"replicas":2');
  });

  it('a request that expired unapproved is a timeout, and the call is not made', async () => {
    const { agent, execute } = setUp();
    const run = agent.run('scale down api');
    await decideFirstRequest({ approved: false, decidedBy: { kind: 'timeout' } }, 'expired');

    const result = await run;

    expect(execute).not.toHaveBeenCalled();
    expect(result.toolCalls[0]).toMatchObject({ approval: 'timeout', executed: false });
    expect(result.toolCalls[0]?.result).toMatch(/^\[TIMEOUT\] No reviewer decided on this call in time/);
  });

  it('a request that expired under an approve-on-timeout rule runs', async () => {
    const { agent, execute } = setUp();
    const run = agent.run('scale down api');
    await decideFirstRequest({ approved: true, decidedBy: { kind: 'timeout' } }, 'expired');

    const result = await run;

    expect(execute).toHaveBeenCalledTimes(1);
    expect(result.toolCalls[0]).toMatchObject({ approval: 'approved', executed: true });
  });

  it('a denial and a cancellation are reported with their reasons', async () => {
    const denied = setUp();
    const deniedRun = denied.agent.run('scale down api');
    await decideFirstRequest({ approved: false, reason: 'Peak hours' });
    expect((await deniedRun).toolCalls[0]?.result).toBe('[DENIED] Peak hours');

    hub.records.clear();
    const cancelled = setUp();
    const cancelledRun = cancelled.agent.run('scale down api');
    await decideFirstRequest({ approved: false, reason: 'superseded', decidedBy: { kind: 'policy', rule: 'admin-cancel' } }, 'cancelled');
    expect((await cancelledRun).toolCalls[0]).toMatchObject({ approval: 'cancelled', result: '[CANCELLED] The approval request was cancelled (superseded), so the call was not made.' });
    expect(denied.execute).not.toHaveBeenCalled();
    expect(cancelled.execute).not.toHaveBeenCalled();
  });

  it('aborting the run cancels the pending request on the hub', async () => {
    const { agent } = setUp();
    const controller = new AbortController();
    const run = agent.run('scale down api', { signal: controller.signal });
    await expect.poll(() => hub.records.size).toBe(1);

    controller.abort();

    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => [...hub.records.values()][0]?.status).toBe('cancelled');
  });
});
