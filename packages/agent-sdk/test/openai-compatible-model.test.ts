import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { Agent, ModelResponseError, defineTool, openAICompatibleModel } from '../src/index.js';

/** A local chat-completions server: answers each POST with the next scripted reply and keeps what it was sent. */
class ChatCompletionsServer {
  readonly requests: { path: string; headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  replies: { status?: number; body: unknown }[] = [];
  private server: Server | null = null;

  get baseURL(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
        const reply = this.replies.shift() ?? { status: 500, body: { error: { message: 'no scripted reply' } } };
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

function completion(message: Record<string, unknown>, finishReason = 'stop') {
  return { id: 'chatcmpl-1', object: 'chat.completion', model: 'test-model', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }] };
}

let server: ChatCompletionsServer;

beforeEach(async () => {
  server = new ChatCompletionsServer();
  await server.start();
});
afterEach(async () => {
  await server.stop();
});

function restartTool() {
  return defineTool({
    name: 'restart_service',
    description: 'Restarts a service',
    parameters: z.object({ service: z.string(), graceful: z.boolean().default(true) }),
    execute: vi.fn(({ service, graceful }: { service: string; graceful: boolean }) => `restarted ${service}${graceful ? ' gracefully' : ''}`),
  });
}

describe('openAICompatibleModel', () => {
  it('drives an agent through a tool call and its result in the chat-completions wire format', async () => {
    server.replies = [
      { body: completion({ content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'restart_service', arguments: '{"service":"api"}' } }] }, 'tool_calls') },
      { body: completion({ content: 'The api service was restarted.' }) },
    ];
    const tool = restartTool();
    const agent = new Agent({
      name: 'ops',
      instructions: 'You run services.',
      model: openAICompatibleModel({ baseURL: `${server.baseURL}/`, apiKey: 'sk-test', model: 'test-model', temperature: 0 }),
      tools: [tool],
      approval: { policy: 'all', onApproval: () => ({ approved: true }) },
    });

    const result = await agent.run('restart api');

    expect(result.output).toBe('The api service was restarted.');
    expect(tool.execute).toHaveBeenCalledTimes(1);
    const [first, second] = server.requests;
    expect(first?.path).toBe('/v1/chat/completions');
    expect(first?.headers.authorization).toBe('Bearer sk-test');
    expect(first?.body).toMatchObject({
      model: 'test-model',
      stream: false,
      temperature: 0,
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: 'You run services.' },
        { role: 'user', content: 'restart api' },
      ],
      tools: [{ type: 'function', function: { name: 'restart_service', description: 'Restarts a service', parameters: { type: 'object', required: ['service'] } } }],
    });
    expect(second?.body.messages).toEqual([
      { role: 'system', content: 'You run services.' },
      { role: 'user', content: 'restart api' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'restart_service', arguments: '{"service":"api"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: 'restarted api gracefully' },
    ]);
  });

  it('sends no tools when the agent has none, and no Authorization without an apiKey (local servers)', async () => {
    server.replies = [{ body: completion({ content: [{ type: 'text', text: 'hello ' }, { type: 'text', text: 'there' }] }) }];
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'llama3.1' });

    const step = await model.nextStep({ messages: [{ role: 'user', content: 'hi' }], tools: [] });

    expect(step).toEqual({ type: 'final', content: 'hello there' });
    expect(server.requests[0]?.body).not.toHaveProperty('tools');
    expect(server.requests[0]?.headers).not.toHaveProperty('authorization');
  });

  it('names calls that come without an id, accepts object arguments, and passes malformed JSON on for the tool to refuse', async () => {
    server.replies = [
      {
        body: completion({
          content: 'Let me check.',
          tool_calls: [
            { function: { name: 'restart_service', arguments: { service: 'db' } } },
            { id: 'call_bad', function: { name: 'restart_service', arguments: '{"service":' } },
          ],
        }),
      },
    ];
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm' });

    const step = await model.nextStep({ messages: [{ role: 'user', content: 'restart db' }], tools: [] });

    expect(step).toEqual({
      type: 'tool_calls',
      content: 'Let me check.',
      toolCalls: [
        { id: 'call_0', name: 'restart_service', args: { service: 'db' } },
        { id: 'call_bad', name: 'restart_service', args: '{"service":' },
      ],
    });
  });

  it('fails with a ModelResponseError carrying the status on an error answer or an unexpected body', async () => {
    server.replies = [{ status: 401, body: { error: { message: 'Incorrect API key' } } }, { body: { choices: [] } }];
    const model = openAICompatibleModel({ baseURL: server.baseURL, apiKey: 'wrong', model: 'm' });
    const request = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [] };

    const unauthorized = await model.nextStep(request).catch((e: unknown) => e);
    const malformed = await model.nextStep(request).catch((e: unknown) => e);

    expect(unauthorized).toBeInstanceOf(ModelResponseError);
    expect(unauthorized).toMatchObject({ status: 401, message: expect.stringContaining('Incorrect API key') });
    expect(malformed).toMatchObject({ name: 'ModelResponseError', message: expect.stringContaining('unexpected shape') });
  });

  it('aborts the HTTP call when the run is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const model = openAICompatibleModel({ baseURL: server.baseURL, model: 'm' });

    await expect(model.nextStep({ messages: [{ role: 'user', content: 'hi' }], tools: [], signal: controller.signal })).rejects.toThrow('user left');
    expect(server.requests).toEqual([]);
  });
});
