import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { Annotation, END, MemorySaver, START, StateGraph } from '@langchain/langgraph';
import { createAgent, humanInTheLoopMiddleware, tool } from 'langchain';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hubInterrupt, invokeWithHub, resumeFromHub } from '../src/index.js';

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
  const client = connectHub({ url: hub.url, token: hub.agentToken, agentName: 'langgraph-agent' });
  clients.push(client);
  return client;
}

/** A createAgent() agent whose fake model calls send_email once with `toolCallId`, then answers. */
function emailAgent(toolCallId: string, args: { to: string; subject: string }, checkpointer = new MemorySaver()) {
  const sent: { to: string; subject: string }[] = [];
  const sendEmail = tool(
    async ({ to, subject }) => {
      sent.push({ to, subject });
      return `email "${subject}" sent to ${to}`;
    },
    { name: 'send_email', description: 'Sends an email', schema: z.object({ to: z.string(), subject: z.string() }) },
  );
  const model = fakeModel().respondWithTools([{ name: 'send_email', args, id: toolCallId }]).respond(new AIMessage('all done'));
  const agent = createAgent({
    model,
    tools: [sendEmail],
    middleware: [humanInTheLoopMiddleware({ interruptOn: { send_email: { allowedDecisions: ['approve', 'edit', 'reject'] } } })],
    checkpointer,
  });
  return { agent, sent, model, checkpointer };
}

function toolMessagesOf(result: { messages: BaseMessage[] }): string[] {
  return result.messages.filter((m) => m.getType() === 'tool').map((m) => String(m.content));
}

describe('humanInTheLoopMiddleware decided on the hub', () => {
  it('approve: the model’s tool call id is the requestId, the thread id the runId, and the tool runs', async () => {
    const { agent, sent } = emailAgent('call_mail_1', { to: 'bob@example.com', subject: 'Hi' });
    const config = { configurable: { thread_id: 'thread-approve' } };

    const running = invokeWithHub(agent, { messages: [{ role: 'user', content: 'mail bob' }] }, config, { hub: connect() });
    const pending = await hub.waitForPending((r) => r.requestId === 'langgraph:call_mail_1');
    expect(pending).toMatchObject({ toolName: 'send_email', args: { to: 'bob@example.com', subject: 'Hi' }, runId: 'thread-approve' });
    await hub.decide(pending.requestId, { approved: true });
    const result = await running;

    expect(sent).toEqual([{ to: 'bob@example.com', subject: 'Hi' }]);
    expect(toolMessagesOf(result)).toEqual(['email "Hi" sent to bob@example.com']);
    expect(result.messages.at(-1)?.content).toBe('all done');
  });

  it('edit: maps onto the middleware’s edit decision and the tool runs with the reviewer’s arguments', async () => {
    const { agent, sent } = emailAgent('call_mail_edit', { to: 'everyone@example.com', subject: 'Layoffs' });
    const config = { configurable: { thread_id: 'thread-edit' } };

    const running = invokeWithHub(agent, { messages: [{ role: 'user', content: 'mail everyone' }] }, config, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'langgraph:call_mail_edit');
    await hub.decide('langgraph:call_mail_edit', { approved: true, args: { to: 'hr@example.com', subject: 'Draft' } });
    await running;

    expect(sent).toEqual([{ to: 'hr@example.com', subject: 'Draft' }]);
  });

  it('deny: a reject decision whose message, with the reason, is the tool result the model reads', async () => {
    const { agent, sent, model } = emailAgent('call_mail_deny', { to: 'press@example.com', subject: 'Leak' });
    const config = { configurable: { thread_id: 'thread-deny' } };

    const running = invokeWithHub(agent, { messages: [{ role: 'user', content: 'mail the press' }] }, config, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'langgraph:call_mail_deny');
    await hub.decide('langgraph:call_mail_deny', { approved: false, reason: 'Never mail the press' });
    const result = await running;

    expect(sent).toEqual([]);
    expect(toolMessagesOf(result)).toEqual(['[DENIED] Never mail the press']);
    expect(JSON.stringify(model.calls.at(-1)?.messages)).toContain('[DENIED] Never mail the press');
  });

  it('several calls in one interrupt reach the reviewer together and are decided in any order', async () => {
    const sent: { to: string; subject: string }[] = [];
    const sendEmail = tool(
      async ({ to, subject }) => {
        sent.push({ to, subject });
        return `sent to ${to}`;
      },
      { name: 'send_email', description: 'Sends an email', schema: z.object({ to: z.string(), subject: z.string() }) },
    );
    const model = fakeModel()
      .respondWithTools([
        { name: 'send_email', args: { to: 'a@example.com', subject: 'One' }, id: 'call_multi_a' },
        { name: 'send_email', args: { to: 'b@example.com', subject: 'Two' }, id: 'call_multi_b' },
      ])
      .respond(new AIMessage('both sent'));
    const agent = createAgent({ model, tools: [sendEmail], middleware: [humanInTheLoopMiddleware({ interruptOn: { send_email: true } })], checkpointer: new MemorySaver() });

    const running = invokeWithHub(agent, { messages: [{ role: 'user', content: 'mail a and b' }] }, { configurable: { thread_id: 'thread-multi' } }, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'langgraph:call_multi_b');
    await hub.waitForPending((r) => r.requestId === 'langgraph:call_multi_a');
    await hub.decide('langgraph:call_multi_b', { approved: true, args: { to: 'b@example.com', subject: 'Two (edited)' } });
    await hub.decide('langgraph:call_multi_a', { approved: true });
    await running;

    expect(sent).toEqual(expect.arrayContaining([{ to: 'a@example.com', subject: 'One' }, { to: 'b@example.com', subject: 'Two (edited)' }]));
    expect(sent).toHaveLength(2);
  });

  it('timeout: rejected with the timeout message', async () => {
    const { agent, sent } = emailAgent('call_mail_timeout', { to: 'bob@example.com', subject: 'Late' });
    const config = { configurable: { thread_id: 'thread-timeout' } };

    const result = await invokeWithHub(agent, { messages: [{ role: 'user', content: 'mail bob' }] }, config, { hub: connect(), timeoutMs: 1000 });

    expect(sent).toEqual([]);
    expect(toolMessagesOf(result)[0]).toMatch(/^\[TIMEOUT\] No reviewer decided/);
    expect(await hub.get('langgraph:call_mail_timeout')).toMatchObject({ status: 'expired' });
  });

  it('the agent process dies while waiting; re-run on the same thread re-sends the same request, decided once', async () => {
    const { agent, sent, checkpointer } = emailAgent('call_mail_crash', { to: 'bob@example.com', subject: 'Again' });
    const config = { configurable: { thread_id: 'thread-crash' } };
    await agent.invoke({ messages: [{ role: 'user', content: 'mail bob' }] }, config);
    const crashed = connect();
    // This process is about to "die": what the call would have answered is never read.
    resumeFromHub(agent, config, { hub: crashed }).catch(() => undefined);
    await hub.waitForPending((r) => r.requestId === 'langgraph:call_mail_crash');
    crashed.close();
    await hub.decide('langgraph:call_mail_crash', { approved: true });

    // A new process: a new agent over the same (persistent) checkpointer and thread.
    const restarted = emailAgent('call_mail_crash', { to: 'bob@example.com', subject: 'Again' }, checkpointer);
    const command = await resumeFromHub(restarted.agent, config, { hub: connect() });
    expect(command).not.toBeNull();
    await restarted.agent.invoke(command, config);

    expect([...sent, ...restarted.sent]).toEqual([{ to: 'bob@example.com', subject: 'Again' }]);
    expect((await hub.list({ toolName: 'send_email' })).filter((r) => r.requestId === 'langgraph:call_mail_crash')).toHaveLength(1);
  });
});

describe('hubInterrupt() and Command({ resume })', () => {
  const State = Annotation.Root({ amount: Annotation<number>(), outcome: Annotation<string>() });

  function refundGraph(checkpointer = new MemorySaver()) {
    const refunds: number[] = [];
    const graph = new StateGraph(State)
      .addNode('refund', (state) => {
        const decision = hubInterrupt({ toolName: 'refund', args: { amount: state.amount }, toolCallId: `refund-${state.amount}` });
        if (!decision.approved) return { outcome: decision.message ?? 'not refunded' };
        refunds.push(decision.args.amount as number);
        return { outcome: `refunded ${String(decision.args.amount)}${decision.edited ? ' (edited)' : ''}` };
      })
      .addEdge(START, 'refund')
      .addEdge('refund', END)
      .compile({ checkpointer });
    return { graph, refunds, checkpointer };
  }

  it('resumes with the reviewer’s edit', async () => {
    const { graph, refunds } = refundGraph();
    const running = invokeWithHub(graph, { amount: 900 }, { configurable: { thread_id: 'refund-1' } }, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'langgraph:refund-900');
    await hub.decide('langgraph:refund-900', { approved: true, args: { amount: 90 } });

    expect(await running).toMatchObject({ outcome: 'refunded 90 (edited)' });
    expect(refunds).toEqual([90]);
  });

  it('resumes with a denial and its reason, after a hub restart between the ask and the decision', async () => {
    const { graph, refunds } = refundGraph();
    const running = invokeWithHub(graph, { amount: 5000 }, { configurable: { thread_id: 'refund-2' } }, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'langgraph:refund-5000');
    await hub.stop('SIGKILL');
    await hub.start();
    await hub.decide('langgraph:refund-5000', { approved: false, reason: 'Over the refund limit' });

    expect(await running).toMatchObject({ outcome: '[DENIED] Over the refund limit' });
    expect(refunds).toEqual([]);
  });
});
