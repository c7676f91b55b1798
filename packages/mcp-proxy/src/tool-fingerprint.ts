import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from './request-id.js';

/** The parts of a tool that tell a model (and a reviewer) what it does; a change to any is a new definition. */
const DEFINING_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;
const MAX_DIFF_VALUE = 1500;
const MAX_DIFF = 6000;

export function toolFingerprint(tool: Tool): string {
  const defining = Object.fromEntries(DEFINING_FIELDS.map((field) => [field, tool[field] ?? null]));
  return `sha256:${createHash('sha256').update(canonicalJson(defining)).digest('base64url')}`;
}

/** What changed, field by field, as reviewers read it: the old value, then the new one. */
export function toolDiff(before: Tool, after: Tool): string {
  const lines: string[] = [];
  for (const field of DEFINING_FIELDS) {
    const was = canonicalJson(before[field] ?? null);
    const now = canonicalJson(after[field] ?? null);
    if (was === now) continue;
    lines.push(`${field}:`, `- ${clip(was)}`, `+ ${clip(now)}`);
  }
  return clip(lines.join('\n'), MAX_DIFF);
}

function clip(text: string, max = MAX_DIFF_VALUE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface ToolDrift {
  /** When this proxy first saw the tool (its baseline definition). */
  since: string;
  baseline: string;
  current: string;
  diff: string;
}

/**
 * The definition of each tool as first listed (trust on first use), shared by every session of the proxy: a server
 * that shows one session a changed tool, or changes it after a reviewer granted "allow similar", is caught here.
 * The baseline never moves while the proxy runs, so a drifted tool stays drifted until an operator restarts it.
 */
export class ToolDefinitions {
  private readonly baselines = new Map<string, { tool: Tool; fingerprint: string; since: string }>();
  private readonly reported = new Set<string>();

  constructor(private readonly onDrift: (name: string, drift: ToolDrift) => void = () => {}) {}

  /** Records tools seen for the first time; reports each that differs from its baseline. */
  observe(tools: readonly Tool[]): void {
    for (const tool of tools) {
      const fingerprint = toolFingerprint(tool);
      const known = this.baselines.get(tool.name);
      if (!known) {
        this.baselines.set(tool.name, { tool, fingerprint, since: new Date().toISOString() });
      } else if (known.fingerprint !== fingerprint && !this.reported.has(`${tool.name}\n${fingerprint}`)) {
        this.reported.add(`${tool.name}\n${fingerprint}`);
        this.onDrift(tool.name, this.driftOf(tool)!);
      }
    }
  }

  /** Null while the tool matches what was first listed (or was never listed). */
  driftOf(tool: Tool): ToolDrift | null {
    const known = this.baselines.get(tool.name);
    if (!known) return null;
    const current = toolFingerprint(tool);
    if (current === known.fingerprint) return null;
    return { since: known.since, baseline: known.fingerprint, current, diff: toolDiff(known.tool, tool) };
  }

  fingerprintOf(name: string): string | undefined {
    return this.baselines.get(name)?.fingerprint;
  }
}
