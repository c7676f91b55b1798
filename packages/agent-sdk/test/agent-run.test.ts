import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  Agent,
  defineTool,
  scriptedModel,
  type AgentRunEvent,
  type ApprovalDecisionLike,
  type Message,
  type ModelRequest,
  type OnApproval,
  type ToolContext,
} from '../src/index.js';

function deleteFileTool(execute: (args: { path: string; force: boolean }, ctx: ToolContext) => unknown = (args) => `deleted ${args.path}`) {
  return defineTool({
    name: 'delete_file',
    description: 'Deletes a file',
    parameters: z.object({ path: z.string().min(1), force: z.boolean() }),
    execute: vi.fn(execute),
  });
}

function agentWith(onApproval: OnApproval, tool = deleteFileTool(), extra: { timeoutMs?: number; onEvent?: (e: AgentRunEvent) => void } = {}) {
  return new Agent({
    name: 'janitor',
    model: scriptedModel([{ toolCalls: [{ name: 'delete_file', args: { path: '/var/log/old', force: true } }] }, 'finished']),
    tools: [tool],
    approval: { policy: 'all', onApproval, ...(extra.timeoutMs !== undefined && { timeoutMs: extra.timeoutMs }) },
    ...(extra.onEvent && { onEvent: extra.onEvent }),
  });
}

function lastToolMessage(messages: readonly Message[]): string | undefined {
  const tool = messages.findLast((m) => m.role === 'tool');
  return tool?.content;
}

describe('decisions', () => {
  it('a denial tells the model "[DENIED] <reason>" and does not run the tool', async () => {
    const tool = deleteFileTool();
    const result = await agentWith(() => ({ approved: false, reason: 'Logs are kept for 90 days' }), tool).run('clean up');

    expect(tool.execute).not.toHaveBeenCalled();
    expect(result.toolCalls).toMatchObject([{ approval: 'denied', executed: false, reason: 'Logs are kept for 90 days', result: '[DENIED] Logs are kept for 90 days' }]);
    expect(lastToolMessage(result.messages)).toBe('[DENIED] Logs are kept for 90 days');
    expect(result.output).toBe('finished');
  });

  it('a denial without a reason says so', async () => {
    const result = await agentWith(() => ({ approved: false })).run('clean up');

    expect(result.toolCalls[0]?.result).toBe('[DENIED] No reason given');
  });

  it('edited arguments reach execute exactly, and the model hears that a reviewer edited them', async () => {
    const tool = deleteFileTool();
    const edited = { path: '/var/log/old/app.log', force: false };
    const result = await agentWith(() => ({ approved: true, args: edited }), tool).run('clean up');

    expect(tool.execute).toHaveBeenCalledTimes(1);
    expect(vi.mocked(tool.execute).mock.calls[0]?.[0]).toStrictEqual(edited);
    expect(vi.mocked(tool.execute).mock.calls[0]?.[1]).toMatchObject({ editedByReviewer: true });
    expect(result.toolCalls).toMatchObject([
      { approval: 'edited', executed: true, args: edited, requestedArgs: { path: '/var/log/old', force: true }, value: 'deleted /var/log/old/app.log' },
    ]);
    expect(result.toolCalls[0]?.result).toBe(
      '[EDITED] A reviewer edited the arguments before approving; the call ran with {"force":false,"path":"/var/log/old/app.log"}.\nResult: deleted /var/log/old/app.log',
    );
  });

  it('edited arguments that do not fit the parameters are not run', async () => {
    const tool = deleteFileTool();
    const result = await agentWith(() => ({ approved: true, args: { path: '', force: 'yes' } }), tool).run('clean up');

    expect(tool.execute).not.toHaveBeenCalled();
    expect(result.toolCalls).toMatchObject([{ approval: 'edited', executed: false, args: { path: '', force: 'yes' } }]);
    expect(result.toolCalls[0]?.result).toMatch(/^\[NOT RUN\] A reviewer approved the call with edited arguments .*do not fit the tool's parameters, so the call was not made/s);
    expect(result.toolCalls[0]?.result).toContain('force');
  });

  it('args echoed back unchanged are a plain approval', async () => {
    const tool = deleteFileTool();
    const result = await agentWith((request) => ({ approved: true, args: { ...request.args } }), tool).run('clean up');

    expect(result.toolCalls).toMatchObject([{ approval: 'approved', executed: true, result: 'deleted /var/log/old' }]);
    expect(vi.mocked(tool.execute).mock.calls[0]?.[1]).toMatchObject({ editedByReviewer: false });
  });

  it('no decision within timeoutMs is a timeout: not run, and the model is told not to retry or work around it', async () => {
    const tool = deleteFileTool();
    let signal: AbortSignal | undefined;
    const never = (request: { signal: AbortSignal }) => {
      signal = request.signal;
      return new Promise<ApprovalDecisionLike>(() => {});
    };

    const result = await agentWith(never, tool, { timeoutMs: 30 }).run('clean up');

    expect(tool.execute).not.toHaveBeenCalled();
    expect(signal?.aborted).toBe(true);
    expect(result.toolCalls).toMatchObject([{ approval: 'timeout', executed: false }]);
    const told = result.toolCalls[0]?.result ?? '';
    expect(told).toMatch(/^\[TIMEOUT\] /);
    expect(told).toContain('No reviewer decided on this call in time');
    expect(told).toContain('it was not made');
    expect(told).toContain('Do not retry it and do not try to reach the same result another way');
  });

  it('an onApproval that throws fails the run instead of running the tool', async () => {
    const tool = deleteFileTool();
    await expect(agentWith(() => Promise.reject(new Error('reviewer service down')), tool).run('clean up')).rejects.toThrow('reviewer service down');
    expect(tool.execute).not.toHaveBeenCalled();
  });
});

describe('the loop', () => {
  it('sends invalid arguments back to the model without asking anyone', async () => {
    const onApproval = vi.fn(() => ({ approved: true }));
    const tool = deleteFileTool();
    const agent = new Agent({
      name: 'janitor',
      model: scriptedModel([
        { toolCalls: [{ name: 'delete_file', args: { path: 42 } }] },
        (messages) => (lastToolMessage(messages)?.startsWith('[INVALID ARGUMENTS]') ? 'I will fix my arguments' : 'hm'),
      ]),
      tools: [tool],
      approval: { policy: 'all', onApproval },
    });

    const result = await agent.run('clean up');

    expect(onApproval).not.toHaveBeenCalled();
    expect(tool.execute).not.toHaveBeenCalled();
    expect(result.output).toBe('I will fix my arguments');
    expect(result.toolCalls).toMatchObject([{ approval: 'not_required', executed: false, requestedArgs: { path: 42 } }]);
    expect(result.toolCalls[0]?.result).toContain('path');
    expect(result.toolCalls[0]?.result).toContain('force');
  });

  it('stops after maxSteps model calls', async () => {
    const nextStep = vi.fn(scriptedModel(() => ({ toolCalls: [{ name: 'delete_file', args: { path: '/a', force: false } }] })).nextStep);
    const agent = new Agent({ name: 'looper', model: { nextStep }, tools: [deleteFileTool()], maxSteps: 3 });

    const result = await agent.run('loop');

    expect(result).toMatchObject({ output: null, finishReason: 'max_steps' });
    expect(nextStep).toHaveBeenCalledTimes(3);
    expect(result.toolCalls).toHaveLength(3);
    expect((await agent.run('loop', { maxSteps: 1 })).toolCalls).toHaveLength(1);
  });

  it('defaults to 10 steps', async () => {
    const agent = new Agent({ name: 'looper', model: scriptedModel(() => ({ toolCalls: [] })), tools: [] });

    const result = await agent.run('loop');

    expect(result.finishReason).toBe('max_steps');
    expect(result.messages.filter((m) => m.role === 'assistant')).toHaveLength(10);
  });

  it('tells the model about unknown tools and tool failures, and goes on', async () => {
    const failing = deleteFileTool(() => {
      throw new Error('disk is read-only');
    });
    const agent = new Agent({
      name: 'janitor',
      model: scriptedModel([{ toolCalls: [{ name: 'format_disk', args: {} }, { name: 'delete_file', args: { path: '/a', force: false } }] }, 'sorry']),
      tools: [failing],
    });

    const result = await agent.run('clean up');

    expect(result.toolCalls.map((c) => c.result)).toEqual(['[UNKNOWN TOOL] There is no tool named "format_disk". Available tools: delete_file.', '[ERROR] The tool failed: disk is read-only']);
    expect(result.toolCalls[1]).toMatchObject({ executed: true, error: expect.any(Error) });
    expect(result.output).toBe('sorry');
  });

  it('keeps an OpenAI-like transcript and gives the model JSON Schema tool specs', async () => {
    const requests: ModelRequest[] = [];
    const script = scriptedModel([{ toolCalls: [{ id: 'c1', name: 'delete_file', args: { path: '/a', force: false } }], content: 'Deleting.' }, 'All clean.']);
    const agent = new Agent({
      name: 'janitor',
      instructions: 'You tidy disks.',
      model: {
        nextStep: (request) => {
          requests.push(request);
          return script.nextStep(request);
        },
      },
      tools: [deleteFileTool()],
    });

    const result = await agent.run('clean up');

    expect(result.messages).toEqual([
      { role: 'system', content: 'You tidy disks.' },
      { role: 'user', content: 'clean up' },
      { role: 'assistant', content: 'Deleting.', toolCalls: [{ id: 'c1', name: 'delete_file', args: { path: '/a', force: false } }] },
      { role: 'tool', toolCallId: 'c1', toolName: 'delete_file', content: 'deleted /a' },
      { role: 'assistant', content: 'All clean.' },
    ]);
    expect(requests[0]?.tools).toEqual([
      {
        name: 'delete_file',
        description: 'Deletes a file',
        parameters: expect.objectContaining({ type: 'object', properties: { path: { type: 'string', minLength: 1 }, force: { type: 'boolean' } }, required: ['path', 'force'] }),
      },
    ]);
  });

  it('reports each step to onEvent, and passes run and conversation ids to the approver and the tool', async () => {
    const events: AgentRunEvent[] = [];
    const tool = deleteFileTool();
    const onApproval = vi.fn<OnApproval>(() => ({ approved: true }));
    const agent = agentWith(onApproval, tool, { onEvent: (e) => events.push(e) });

    await agent.run('clean up', { runId: 'run-7', conversationId: 'conv-3' });

    expect(events.map((e) => e.type)).toEqual(['tool_call', 'approval_requested', 'approval_decided', 'tool_result', 'final']);
    expect(events[2]).toMatchObject({ runId: 'run-7', toolName: 'delete_file', approval: 'approved' });
    expect(onApproval.mock.calls[0]?.[0]).toMatchObject({
      agentName: 'janitor',
      toolName: 'delete_file',
      description: 'Deletes a file',
      args: { path: '/var/log/old', force: true },
      runId: 'run-7',
      conversationId: 'conv-3',
      toolCallId: 'call_0_0',
    });
    expect(vi.mocked(tool.execute).mock.calls[0]?.[1]).toMatchObject({ runId: 'run-7', conversationId: 'conv-3', toolCallId: 'call_0_0', agentName: 'janitor' });
  });

  it('replays the same script for every run of one scripted model', async () => {
    const agent = agentWith(() => ({ approved: true }));

    expect((await agent.run('one')).output).toBe('finished');
    expect((await agent.run('two')).output).toBe('finished');
  });
});

describe('configuration', () => {
  const tool = deleteFileTool();
  const model = scriptedModel(['ok']);

  it('refuses a tool that may need approval when there is nobody to ask', () => {
    expect(() => new Agent({ name: 'a', model, tools: [tool], approval: { policy: 'all' } })).toThrow(
      'Agent "a": tool "delete_file" may need approval, but approval has neither a hub nor an onApproval callback',
    );
    const asksItself = defineTool({ ...tool, requiresApproval: () => false });
    expect(() => new Agent({ name: 'a', model, tools: [asksItself] })).toThrow(/may need approval/);
  });

  it('needs nobody to ask when no call can need approval', () => {
    expect(() => new Agent({ name: 'a', model, tools: [tool] })).not.toThrow();
    expect(() => new Agent({ name: 'a', model, tools: [tool], approval: { policy: 'all', autoApproveReadOnly: true } })).toThrow();
    const readOnly = defineTool({ ...tool, readOnly: true });
    expect(() => new Agent({ name: 'a', model, tools: [readOnly], approval: { policy: 'all', autoApproveReadOnly: true } })).not.toThrow();
  });

  it('refuses unknown tool names in the policy and duplicate tools', () => {
    expect(() => new Agent({ name: 'a', model, tools: [tool], approval: { policy: ['delete_fiel'], onApproval: () => ({ approved: true }) } })).toThrow(
      'the approval policy names unknown tools: delete_fiel',
    );
    expect(() => new Agent({ name: 'a', model, tools: [tool, tool] })).toThrow('Two tools are named "delete_file"');
  });
});
