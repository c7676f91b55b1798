import { connectHub, type HubClient } from '@approval-hub/agent-sdk';
import { startHub, type HubProcess } from '@approval-hub/test-hub-process';
import { generateText, tool } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateTextWithHub, hubApprovalResponses, withHub } from '../src/index.js';

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
  const client = connectHub({ url: hub.url, token: hub.agentToken, agentName: 'ai-sdk-agent' });
  clients.push(client);
  return client;
}

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/** The AI SDK's own mock model: first a call of send_payment with `toolCallId`, then a text answer. */
function modelCalling(toolCallId: string, args: Record<string, unknown>): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doGenerate: [
      {
        content: [{ type: 'tool-call', toolCallId, toolName: 'send_payment', input: JSON.stringify(args) }],
        finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
        usage,
        warnings: [],
      },
      { content: [{ type: 'text', text: 'all done' }], finishReason: { unified: 'stop', raw: 'stop' }, usage, warnings: [] },
    ],
  });
}

function paymentTool(options: { needsApproval: boolean }) {
  const sent: { to: string; cents: number }[] = [];
  const sendPayment = tool({
    description: 'Sends a payment',
    inputSchema: z.object({ to: z.string(), cents: z.int().positive() }),
    needsApproval: options.needsApproval,
    execute: async ({ to, cents }) => {
      sent.push({ to, cents });
      return `sent ${cents} cents to ${to}`;
    },
  });
  return { sendPayment, sent };
}

/** Everything the model was sent in its last call, as text. */
function lastPromptOf(model: MockLanguageModelV3): string {
  return JSON.stringify(model.doGenerateCalls.at(-1)?.prompt);
}

describe('needsApproval, answered from the hub', () => {
  it('approves: the tool runs once and the model gets its result', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: true });
    const model = modelCalling('call_pay_1', { to: 'acme', cents: 500 });

    const running = generateTextWithHub({ model, tools: { send_payment: sendPayment }, prompt: 'pay acme' }, { hub: connect(), runId: 'chat-1' });
    const pending = await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_1');
    expect(pending).toMatchObject({ toolName: 'send_payment', args: { to: 'acme', cents: 500 }, runId: 'chat-1' });
    await hub.decide(pending.requestId, { approved: true });
    const { result, approvals } = await running;

    expect(sent).toEqual([{ to: 'acme', cents: 500 }]);
    expect(approvals.map((a) => a.outcome.state)).toEqual(['approved']);
    expect(result.text).toBe('all done');
    expect(lastPromptOf(model)).toContain('sent 500 cents to acme');
  });

  it('denies: the tool does not run and the reviewer’s reason reaches the model', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: true });
    const model = modelCalling('call_pay_deny', { to: 'mallory', cents: 100_000 });

    const running = generateTextWithHub({ model, tools: { send_payment: sendPayment }, prompt: 'pay mallory' }, { hub: connect() });
    await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_deny');
    await hub.decide('ai-sdk:call_pay_deny', { approved: false, reason: 'Unknown payee' });
    await running;

    expect(sent).toEqual([]);
    expect(lastPromptOf(model)).toContain('[DENIED] Unknown payee');
  });

  it('times out: the call is denied with the timeout message', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: true });
    const model = modelCalling('call_pay_timeout', { to: 'acme', cents: 1 });

    await generateTextWithHub({ model, tools: { send_payment: sendPayment }, prompt: 'pay acme' }, { hub: connect(), timeoutMs: 1000 });

    expect(sent).toEqual([]);
    expect(lastPromptOf(model)).toContain('[TIMEOUT] No reviewer decided');
    expect(await hub.get('ai-sdk:call_pay_timeout')).toMatchObject({ status: 'expired' });
  });

  it('re-run after the agent process died: the same tool call id re-sends the same request, decided once', async () => {
    const { sendPayment } = paymentTool({ needsApproval: true });
    const first = await generateText({ model: modelCalling('call_pay_crash', { to: 'acme', cents: 7 }), tools: { send_payment: sendPayment }, prompt: 'pay acme' });
    const crashed = connect();
    // This process is about to "die": what the call would have answered is never read.
    hubApprovalResponses(first.content, { hub: crashed, runId: 'chat-crash' }).catch(() => undefined);
    await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_crash');
    crashed.close();
    await hub.decide('ai-sdk:call_pay_crash', { approved: false, reason: 'decided while the agent was down' });

    const { message, approvals } = await hubApprovalResponses(first.content, { hub: connect(), runId: 'chat-crash' });

    expect(approvals).toMatchObject([{ toolCallId: 'call_pay_crash', outcome: { state: 'denied', reason: 'decided while the agent was down' } }]);
    expect(message.content).toMatchObject([{ type: 'tool-approval-response', approved: false, reason: '[DENIED] decided while the agent was down' }]);
    expect((await hub.list({ toolName: 'send_payment' })).filter((r) => r.requestId === 'ai-sdk:call_pay_crash')).toHaveLength(1);
  });
});

describe('withHub(tools)', () => {
  it('runs with exactly the reviewer’s edited arguments and tells the model', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: false });
    const model = modelCalling('call_pay_edit', { to: 'acme', cents: 90_000 });

    const running = generateText({ model, tools: withHub({ send_payment: sendPayment }, { hub: connect() }), prompt: 'pay acme', stopWhen: () => false });
    await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_edit');
    await hub.decide('ai-sdk:call_pay_edit', { approved: true, args: { to: 'acme', cents: 9_000 } });
    const result = await running;

    expect(sent).toEqual([{ to: 'acme', cents: 9000 }]);
    expect(result.text).toBe('all done');
    expect(lastPromptOf(model)).toContain('[EDITED] A reviewer edited the arguments');
  });

  it('an edit that breaks the input schema is not run', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: false });
    const model = modelCalling('call_pay_bad_edit', { to: 'acme', cents: 10 });

    const running = generateText({ model, tools: withHub({ send_payment: sendPayment }, { hub: connect() }), prompt: 'pay acme', stopWhen: () => false });
    await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_bad_edit');
    await hub.decide('ai-sdk:call_pay_bad_edit', { approved: true, args: { to: 'acme', cents: -5 } });
    await running;

    expect(sent).toEqual([]);
    expect(lastPromptOf(model)).toContain('[NOT RUN] A reviewer approved the call with edited arguments');
  });

  it('survives a hub restart between the ask and the decision', async () => {
    const { sendPayment, sent } = paymentTool({ needsApproval: false });
    const model = modelCalling('call_pay_restart', { to: 'acme', cents: 3 });

    const running = generateText({ model, tools: withHub({ send_payment: sendPayment }, { hub: connect() }), prompt: 'pay acme', stopWhen: () => false });
    await hub.waitForPending((r) => r.requestId === 'ai-sdk:call_pay_restart');
    await hub.stop('SIGKILL');
    await hub.start();
    await hub.decide('ai-sdk:call_pay_restart', { approved: true });
    await running;

    expect(sent).toEqual([{ to: 'acme', cents: 3 }]);
  });
});
