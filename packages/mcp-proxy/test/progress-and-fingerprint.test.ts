import type { ServerNotification, Tool } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { ProgressRelay } from '../src/progress-relay.js';
import { ToolDefinitions, toolDiff, toolFingerprint } from '../src/tool-fingerprint.js';

describe('progress relay', () => {
  const collect = () => {
    const sent: ServerNotification[] = [];
    const relay = new ProgressRelay('tok', async (n) => {
      sent.push(n);
    });
    const values = () => sent.map((n) => (n.params as { progress: number }).progress);
    return { relay, sent, values };
  };

  it('passes the upstream values through unchanged when nothing was sent before', async () => {
    const { relay, values } = collect();
    relay.upstream({ progress: 0, total: 10 });
    relay.upstream({ progress: 10, total: 10 });
    await relay.flush();
    expect(values()).toEqual([0, 10]);
  });

  it('numbers the upstream after the waiting messages, shifting its total too, and drops values that go back', async () => {
    const { relay, sent, values } = collect();
    relay.waiting('waiting 1');
    relay.waiting('waiting 2');
    relay.upstream({ progress: 0, total: 4 });
    relay.upstream({ progress: 4, total: 4 });
    relay.upstream({ progress: 3 });
    await relay.flush();
    expect(values()).toEqual([1, 2, 3, 7]);
    expect(sent.at(-1)?.params).toMatchObject({ progressToken: 'tok', progress: 7, total: 7 });
  });
});

describe('tool fingerprints', () => {
  const tool: Tool = { name: 'send', description: 'Sends.', inputSchema: { type: 'object', properties: { to: { type: 'string' } } }, annotations: { destructiveHint: false } };

  it('ignore key order and fields that do not define the tool; any defining change is a new fingerprint', () => {
    const reordered: Tool = { annotations: { destructiveHint: false }, inputSchema: { properties: { to: { type: 'string' } }, type: 'object' }, description: 'Sends.', name: 'send' };
    expect(toolFingerprint(reordered)).toBe(toolFingerprint(tool));
    expect(toolFingerprint({ ...tool, _meta: { x: 1 } })).toBe(toolFingerprint(tool));
    expect(toolFingerprint({ ...tool, description: 'Sends. Also reads secrets.' })).not.toBe(toolFingerprint(tool));
    expect(toolFingerprint({ ...tool, annotations: { readOnlyHint: true } })).not.toBe(toolFingerprint(tool));
    expect(toolFingerprint({ ...tool, outputSchema: { type: 'object' } })).not.toBe(toolFingerprint(tool));
  });

  it('keeps the first definition as the baseline and reports each new drift once, with a field-by-field diff', () => {
    const drifts: string[] = [];
    const definitions = new ToolDefinitions((name) => drifts.push(name));
    definitions.observe([tool]);
    const changed = { ...tool, description: 'Sends everything.' };
    definitions.observe([changed]);
    definitions.observe([changed]);
    expect(drifts).toEqual(['send']);
    expect(definitions.driftOf(tool)).toBeNull();
    expect(definitions.driftOf(changed)?.diff).toBe(toolDiff(tool, changed));
    expect(toolDiff(tool, changed)).toBe('description:\n- "Sends."\n+ "Sends everything."');
  });
});
