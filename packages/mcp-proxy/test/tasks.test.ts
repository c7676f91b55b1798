import type { ResponseMessage } from '@modelcontextprotocol/sdk/experimental/tasks';
import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubProcess, eventually, tempDir } from './hub-fixture.js';
import { callsIn, recordsUpstream, spawnProxy, textOf, type SpawnedProxy } from './proxy-client.js';

type Message = ResponseMessage<CallToolResult>;

describe('Tasks: a gated call runs as an MCP task the client polls', () => {
  const hub = new HubProcess();
  const callLog = path.join(tempDir(), 'calls.jsonl');
  let proxy: SpawnedProxy;

  beforeAll(async () => {
    await hub.start();
    // pending-retry with a short wait: a task still waits for the decision; a plain call answers [PENDING].
    proxy = await spawnProxy(['--hub', hub.url, '--name', 'records', '--mode', 'pending-retry', '--wait-ms', '300', '--progress-ms', '100', ...recordsUpstream()], {
      HUB_AGENT_TOKEN: hub.agentToken,
      CALL_LOG: callLog,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await hub.stop();
  });

  /** Starts `callToolStream` and collects its messages in the background. */
  const stream = (id: string) => {
    const messages: Message[] = [];
    const done = (async () => {
      for await (const message of proxy.client.experimental.tasks.callToolStream({ name: 'delete_record', arguments: { id } }, CallToolResultSchema, { task: { ttl: 600_000 } })) {
        messages.push(message as Message);
      }
      return messages;
    })();
    const taskId = async () => {
      const created = await eventually(() => messages.find((m) => m.type === 'taskCreated'), 10_000, 'the task');
      return created.type === 'taskCreated' ? created.task.taskId : '';
    };
    return { messages, done, taskId };
  };

  it('working while reviewers decide (saying who, the queue and the time left), then completed with the result of the decided arguments', async () => {
    const before = callsIn(callLog).length;
    const call = stream('t-1');
    const taskId = await call.taskId();
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 't-1');
    const working = await eventually(async () => {
      const task = await proxy.client.experimental.tasks.getTask(taskId);
      return task.statusMessage?.includes(request.requestId) ? task : undefined;
    });
    expect(working.status).toBe('working');
    expect(working.statusMessage).toMatch(/^Waiting for a reviewer of queue "records" on Approval Hub/);
    expect(callsIn(callLog).length).toBe(before);

    await hub.decide(request.requestId, { approved: true, args: { id: 't-1-edited' } });
    const messages = await call.done;
    expect(messages.at(-1)).toEqual({ type: 'result', result: expect.objectContaining({ content: [{ type: 'text', text: 'deleted t-1-edited' }] }) });
    expect((await proxy.client.experimental.tasks.getTask(taskId)).status).toBe('completed');
    expect(callsIn(callLog).slice(before)).toEqual([{ tool: 'delete_record', args: { id: 't-1-edited' } }]);
  });

  it('denied: the task fails, and tasks/get and tasks/result say [DENIED] with the reason; nothing runs', async () => {
    const before = callsIn(callLog).length;
    const call = stream('t-2');
    const taskId = await call.taskId();
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 't-2');
    await hub.decide(request.requestId, { approved: false, reason: 'Keep it' });
    expect((await call.done).at(-1)?.type).toBe('error');
    expect(await proxy.client.experimental.tasks.getTask(taskId)).toMatchObject({ status: 'failed', statusMessage: '[DENIED] Keep it' });
    const result = await proxy.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('[DENIED] Keep it');
    expect(callsIn(callLog).length).toBe(before);
  });

  it('tasks/cancel cancels the hub request: it leaves the queue and nothing runs', async () => {
    const before = callsIn(callLog).length;
    const call = stream('t-3');
    const taskId = await call.taskId();
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 't-3');
    expect((await proxy.client.experimental.tasks.cancelTask(taskId)).status).toBe('cancelled');
    const record = await eventually(async () => {
      const r = await hub.get(request.requestId);
      return r.status === 'cancelled' ? r : undefined;
    });
    expect(record.status).toBe('cancelled');
    expect((await call.done).at(-1)?.type).toBe('error');
    expect(callsIn(callLog).length).toBe(before);
  });

  it('survives a hub restart: the task keeps working and completes with the decision made after it', async () => {
    const call = stream('t-4');
    const taskId = await call.taskId();
    await hub.waitForPending('delete_record', (r) => r.args.id === 't-4');
    await hub.kill();
    await hub.start();
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 't-4');
    expect((await proxy.client.experimental.tasks.getTask(taskId)).status).toBe('working');
    await hub.decide(request.requestId, { approved: true });
    expect((await call.done).at(-1)).toMatchObject({ type: 'result', result: { content: [{ type: 'text', text: 'deleted t-4' }] } });
  }, 60_000);

  it('a client that does not ask for a task keeps pending-retry', async () => {
    const result = (await proxy.client.callTool({ name: 'delete_record', arguments: { id: 't-5' } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^\[PENDING\] Approval pending/);
    const request = await hub.waitForPending('delete_record', (r) => r.args.id === 't-5');
    await hub.decide(request.requestId, { approved: true });
    expect(textOf(await proxy.client.callTool({ name: 'delete_record', arguments: { id: 't-5' } }))).toBe('deleted t-5');
  });
});
