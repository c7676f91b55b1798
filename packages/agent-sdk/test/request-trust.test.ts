import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, defineTool, scriptedModel, type ToolApprovalRequest } from '../src/index.js';
import { clip, oneLine, requestContextOf } from '../src/agent/request-context.js';

function agentAsking(tool: ReturnType<typeof defineTool>, args: Record<string, unknown>, content?: string) {
  const seen: ToolApprovalRequest[] = [];
  const agent = new Agent({
    name: 'ops',
    instructions: 'You are careful.',
    model: scriptedModel([{ ...(content !== undefined && { content }), toolCalls: [{ name: tool.name, args }] }, 'done']),
    tools: [tool],
    approval: {
      policy: 'all',
      onApproval: (request) => {
        seen.push(request);
        return { approved: true };
      },
    },
  });
  return { agent, seen };
}

describe('risk, summary and context sent with each approval', () => {
  const deletePod = defineTool({
    name: 'delete_pod',
    description: 'Delete a pod',
    parameters: z.object({ name: z.string(), namespace: z.string() }),
    risk: ({ namespace }) => (namespace === 'prod' ? 'critical' : 'medium'),
    summary: ({ name, namespace }) => `Delete pod ${name}\nin ${namespace}`,
    execute: () => 'ok',
  });

  it('derives risk and a one-line summary from the arguments, and the rationale from the model’s words', async () => {
    const { agent, seen } = agentAsking(deletePod, { name: 'web-1', namespace: 'prod' }, 'Pod **web-1** is stuck; deleting it lets it restart.');
    await agent.run('Fix web-1');
    expect(seen[0]).toMatchObject({
      risk: 'critical',
      summary: 'Delete pod web-1 in prod',
      context: { rationale: 'Pod **web-1** is stuck; deleting it lets it restart.', turns: [{ role: 'user', content: 'Fix web-1' }] },
    });
    const staging = agentAsking(deletePod, { name: 'web-1', namespace: 'staging' });
    await staging.agent.run('Fix web-1');
    expect(staging.seen[0]?.risk).toBe('medium');
    expect(staging.seen[0]?.context?.rationale).toBeUndefined();
  });

  it('a static risk and summary are passed as they are; none means none', async () => {
    const fixed = defineTool({ name: 'rotate', description: 'Rotate', parameters: z.object({}), risk: 'high', summary: 'Rotate the key', execute: () => 'ok' });
    const { agent, seen } = agentAsking(fixed, {});
    await agent.run('Rotate');
    expect(seen[0]).toMatchObject({ risk: 'high', summary: 'Rotate the key' });
    const plain = defineTool({ name: 'plain', description: 'Plain', parameters: z.object({}), execute: () => 'ok' });
    const other = agentAsking(plain, {});
    await other.agent.run('Go');
    expect(other.seen[0]?.risk).toBeUndefined();
    expect(other.seen[0]?.summary).toBeUndefined();
  });

  it('bounds what it sends to what the hub accepts', () => {
    expect(clip('a'.repeat(10), 5)).toBe('aaaa…');
    expect(clip('😀😀😀', 4)).toBe('😀…');
    expect(oneLine(`x\u0007y\n\nz ${'w'.repeat(300)}`).length).toBeLessThanOrEqual(200);
    expect(oneLine('x\u0007y\n\nz')).toBe('x\uFFFDy z');
    const many = Array.from({ length: 30 }, (_, i) => ({ role: 'user' as const, content: `turn ${i} ${'x'.repeat(3000)}` }));
    const context = requestContextOf('r'.repeat(9000), [{ role: 'system', content: 'secret instructions' }, ...many]);
    expect(context?.rationale?.length).toBeLessThanOrEqual(8000);
    expect(context?.turns).toHaveLength(6);
    expect(context?.turns?.every((t) => t.content.length <= 2000)).toBe(true);
    expect(context?.turns?.some((t) => t.content.includes('secret'))).toBe(false);
  });
});

describe('ADK-style permissions and the end user', () => {
  const readFile = defineTool({
    name: 'local_file_read',
    description: 'Read a file',
    parameters: z.object({ path: z.string() }),
    permissions: { actions: ['tool:local_file:read'], resources: ({ path }) => [path] },
    execute: () => 'contents',
  });

  it('puts the tool’s actions and the resources derived from the arguments on the request as challenges', async () => {
    const { agent, seen } = agentAsking(readFile, { path: '/home/ann/notes.txt' });
    await agent.run('Read my notes', { onBehalfOf: 'ann' });
    expect(seen[0]).toMatchObject({ challenges: [{ actions: ['tool:local_file:read'], resources: ['/home/ann/notes.txt'] }], onBehalfOf: 'ann' });
  });

  it('static resources are sent as given; a tool without permissions sends no challenges', async () => {
    const fixed = defineTool({ name: 'list_home', description: 'List', parameters: z.object({}), permissions: { actions: ['tool:list_directory:read'], resources: ['/home'] }, execute: () => 'ok' });
    const withStatic = agentAsking(fixed, {});
    await withStatic.agent.run('List');
    expect(withStatic.seen[0]?.challenges).toEqual([{ actions: ['tool:list_directory:read'], resources: ['/home'] }]);
    expect(withStatic.seen[0]?.onBehalfOf).toBeUndefined();
    const plain = agentAsking(defineTool({ name: 'plain', description: 'Plain', parameters: z.object({}), execute: () => 'ok' }), {});
    await plain.agent.run('Go');
    expect(plain.seen[0]?.challenges).toBeUndefined();
  });
});
