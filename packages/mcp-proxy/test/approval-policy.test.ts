import { describe, expect, it } from 'vitest';
import { toolNeedsApproval } from '../src/approval-policy.js';
import type { ProxySettings } from '../src/proxy-settings.js';

const settings = (over: Partial<ProxySettings>) => ({ requireApproval: 'always' as const, tools: {}, trusted: false, ...over });

describe('which calls ask', () => {
  it('annotations only tighten: without annotations a tool counts as destructive and asks even under never', () => {
    expect(toolNeedsApproval(settings({ requireApproval: 'never' }), 'rm', undefined)).toBe(true);
    expect(toolNeedsApproval(settings({ requireApproval: 'never' }), 'rm', { destructiveHint: true })).toBe(true);
    expect(toolNeedsApproval(settings({ requireApproval: 'never' }), 'tag', { destructiveHint: false })).toBe(false);
    expect(toolNeedsApproval(settings({ requireApproval: { tools: ['write'] } }), 'tag', { destructiveHint: false })).toBe(false);
    expect(toolNeedsApproval(settings({ requireApproval: { tools: ['write'] } }), 'write', { destructiveHint: false })).toBe(true);
  });

  it('readOnlyHint skips approval only on a trusted server', () => {
    expect(toolNeedsApproval(settings({}), 'read', { readOnlyHint: true })).toBe(true);
    expect(toolNeedsApproval(settings({ trusted: true }), 'read', { readOnlyHint: true })).toBe(false);
    expect(toolNeedsApproval(settings({ trusted: true }), 'write', { readOnlyHint: false })).toBe(true);
  });

  it("the operator's per-tool override is final", () => {
    expect(toolNeedsApproval(settings({ requireApproval: 'never', tools: { rm: { requireApproval: false } } }), 'rm', undefined)).toBe(false);
    expect(toolNeedsApproval(settings({ trusted: true, tools: { read: { requireApproval: true } } }), 'read', { readOnlyHint: true })).toBe(true);
  });
});

describe('risk from annotations', () => {
  it("maps a trusted server's MCP annotations (with MCP defaults for what is absent) to a risk level", async () => {
    const { riskOfAnnotations } = await import('../src/approval-policy.js');
    expect(riskOfAnnotations({ readOnlyHint: true }, true)).toBe('low');
    expect(riskOfAnnotations({ readOnlyHint: true, openWorldHint: true }, true)).toBe('low');
    expect(riskOfAnnotations({ destructiveHint: false }, true)).toBe('medium');
    expect(riskOfAnnotations({ destructiveHint: false, openWorldHint: true }, true)).toBe('medium');
    expect(riskOfAnnotations({ destructiveHint: true }, true)).toBe('high');
    expect(riskOfAnnotations({ destructiveHint: true, openWorldHint: false }, true)).toBe('high');
    expect(riskOfAnnotations({ destructiveHint: true, openWorldHint: true }, true)).toBe('critical');
    // No annotations: destructive by MCP's defaults, and it says nothing explicit: high.
    expect(riskOfAnnotations(undefined, true)).toBe('high');
    expect(riskOfAnnotations({}, true)).toBe('high');
  });

  it("an untrusted server's annotations raise the risk but never lower it below the default", async () => {
    const { riskOfAnnotations } = await import('../src/approval-policy.js');
    expect(riskOfAnnotations({ readOnlyHint: true }, false)).toBe('high');
    expect(riskOfAnnotations({ destructiveHint: false }, false)).toBe('high');
    expect(riskOfAnnotations(undefined, false)).toBe('high');
    expect(riskOfAnnotations({ destructiveHint: true, openWorldHint: true }, false)).toBe('critical');
  });
});
