import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { Agent, RunState, run, setTracingDisabled, tool } from '@openai/agents';
import { ScriptedModel, assistantMessage, functionCall } from '@openai/agents/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decideInterruptions, runWithHub, withHub } from '../src/index.js';

setTracingDisabled(true);

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

function connect(): HubClient {
  const client = connectHub({ url: hub.url, token: hub.agentToken, agentName: 'openai-agent' });
  clients.push(client);
  return client;
}

/** A tool that records its calls, approved through the SDK's own interruption loop. */
function deletePodTool(options: { needsApproval: boolean }) {
  const calls: { name: string; force: boolean }[] = [];
  const deletePod = tool({
    name: 'delete_pod',
    description: 'Deletes a pod',
    parameters: z.object({ name: z.string(), force: z.boolean() }),
    needsApproval: options.needsApproval,
    execute: ({ name, force }) => {
      calls.push({ name, force });
      return `deleted ${name}${force ? ' (forced)' : ''}`;
    },
  });
  return { deletePod, calls };
}

/** The model calls delete_pod once with `callId`, then answers; `calls` shows what it was sent. */
function modelCalling(callId: string, args: Record<string, unknown>): ScriptedModel {
  return new ScriptedModel([[functionCall('delete_pod', args, { callId })], [assistantMessage('finished')]]);
}

/** What the model was told about the tool call in its second request. */
function toolOutputSeenBy(model: ScriptedModel): string {
  return JSON.stringify(model.lastCall?.request.input);
}

describe('the interruption loop (needsApproval + runWithHub)', () => {
  it('asks the hub with the call id as requestId and runs the call once approved', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: true });
    const model = modelCalling('call_approve_1', { name: 'web-1', force: false });
    const agent = new Agent({ name: 'ops', model, tools: [deletePod] });

    const running = runWithHub(agent, 'delete web-1', { hub: connect(), runId: 'thread-1' });
    const pending = await hub.waitForPending((r) => r.requestId === 'openai-agents:call_approve_1');
    expect(pending).toMatchObject({ toolName: 'delete_pod', args: { name: 'web-1', force: false }, runId: 'thread-1', agentName: 'openai-agent' });
    await hub.decide(pending.requestId, { approved: true });
    const result = await running;

    expect(result.finalOutput).toBe('finished');
    expect(calls).toEqual([{ name: 'web-1', force: false }]);
    expect(toolOutputSeenBy(model)).toContain('deleted web-1');
  });

  it('a denial rejects the call and the model reads the reviewer’s reason', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: true });
    const model = modelCalling('call_deny_1', { name: 'db-0', force: true });
    const agent = new Agent({ name: 'ops', model, tools: [deletePod] });

    const running = runWithHub(agent, 'delete db-0', { hub: connect() });
    await hub.decide((await hub.waitForPending((r) => r.requestId === 'openai-agents:call_deny_1')).requestId, { approved: false, reason: 'Not the primary database' });
    const result = await running;

    expect(result.finalOutput).toBe('finished');
    expect(calls).toEqual([]);
    expect(toolOutputSeenBy(model)).toContain('[DENIED] Not the primary database');
  });

  it('a timeout rejects the call with the timeout message', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: true });
    const model = modelCalling('call_timeout_1', { name: 'web-2', force: false });
    const agent = new Agent({ name: 'ops', model, tools: [deletePod] });

    const result = await runWithHub(agent, 'delete web-2', { hub: connect(), timeoutMs: 1000 });

    expect(calls).toEqual([]);
    expect(toolOutputSeenBy(model)).toContain('[TIMEOUT] No reviewer decided');
    expect(await hub.get('openai-agents:call_timeout_1')).toMatchObject({ status: 'expired' });
    expect(result.finalOutput).toBe('finished');
  });

  it('an edit cannot run through the interruption loop: the call is rejected naming the reviewer’s arguments', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: true });
    const model = modelCalling('call_edit_loop_1', { name: 'web-3', force: true });
    const agent = new Agent({ name: 'ops', model, tools: [deletePod] });

    const running = runWithHub(agent, 'delete web-3', { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'openai-agents:call_edit_loop_1');
    await hub.decide('openai-agents:call_edit_loop_1', { approved: true, args: { name: 'web-3', force: false } });
    await running;

    expect(calls).toEqual([]);
    expect(toolOutputSeenBy(model)).toContain('[NOT RUN] A reviewer approved this call only with different arguments: {\\"force\\":false,\\"name\\":\\"web-3\\"}');
  });

  it('an agent process that dies while waiting re-runs from its saved state: the same request, decided once', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: true });
    const agent = new Agent({ name: 'ops', model: modelCalling('call_crash_1', { name: 'web-4', force: false }), tools: [deletePod] });
    const first = await run(agent, 'delete web-4');
    const saved = first.state.toString();
    const crashed = connect();
    // This process is about to "die": what the call would have answered is never read.
    decideInterruptions(first, { hub: crashed, runId: 'thread-crash' }).catch(() => undefined);
    await hub.waitForPending((r) => r.requestId === 'openai-agents:call_crash_1');
    crashed.close(); // the process is gone; the request stays on the hub

    await hub.decide('openai-agents:call_crash_1', { approved: true, reason: 'ok while you were down' });
    const restoredAgent = new Agent({ name: 'ops', model: new ScriptedModel([[assistantMessage('finished')]]), tools: [deletePod] });
    const restored = await RunState.fromString(restoredAgent, saved);
    const decisions = await decideInterruptions({ interruptions: restored.getInterruptions(), state: restored }, { hub: connect(), runId: 'thread-crash' });
    const result = await run(restoredAgent, restored);

    expect(decisions.map((d) => [d.callId, d.action])).toEqual([['call_crash_1', 'approved']]);
    expect(result.finalOutput).toBe('finished');
    expect(calls).toEqual([{ name: 'web-4', force: false }]);
    expect((await hub.list({ toolName: 'delete_pod' })).filter((r) => r.requestId === 'openai-agents:call_crash_1')).toHaveLength(1);
  });
});

describe('withHub(tool)', () => {
  it('runs the call with exactly the reviewer’s edited arguments and tells the model', async () => {
    const hubClient = connect();
    const { deletePod, calls } = deletePodTool({ needsApproval: false });
    const model = modelCalling('call_edit_1', { name: 'web-5', force: true });
    const agent = new Agent({ name: 'ops', model, tools: [withHub(deletePod, { hub: hubClient })] });

    const running = run(agent, 'delete web-5');
    await hub.waitForPending((r) => r.requestId === 'openai-agents:call_edit_1');
    await hub.decide('openai-agents:call_edit_1', { approved: true, args: { name: 'web-5', force: false } });
    const result = await running;

    expect(calls).toEqual([{ name: 'web-5', force: false }]);
    expect(toolOutputSeenBy(model)).toContain('[EDITED] A reviewer edited the arguments');
    expect(result.finalOutput).toBe('finished');
  });

  it('a denial does not run the tool and the model reads the reason', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: false });
    const model = modelCalling('call_wrap_deny_1', { name: 'web-6', force: false });
    const agent = new Agent({ name: 'ops', model, tools: [withHub(deletePod, { hub: connect() })] });

    const running = run(agent, 'delete web-6');
    await hub.waitForPending((r) => r.requestId === 'openai-agents:call_wrap_deny_1');
    await hub.decide('openai-agents:call_wrap_deny_1', { approved: false, reason: 'Change freeze' });
    await running;

    expect(calls).toEqual([]);
    expect(toolOutputSeenBy(model)).toContain('[DENIED] Change freeze');
  });

  it('survives a hub restart between the ask and the decision', async () => {
    const { deletePod, calls } = deletePodTool({ needsApproval: false });
    const model = modelCalling('call_restart_1', { name: 'web-7', force: false });
    const agent = new Agent({ name: 'ops', model, tools: [withHub(deletePod, { hub: connect() })] });

    const running = run(agent, 'delete web-7');
    await hub.waitForPending((r) => r.requestId === 'openai-agents:call_restart_1');
    await hub.stop('SIGKILL');
    await hub.start();
    await hub.decide('openai-agents:call_restart_1', { approved: true });
    const result = await running;

    expect(calls).toEqual([{ name: 'web-7', force: false }]);
    expect(result.finalOutput).toBe('finished');
  });
});
