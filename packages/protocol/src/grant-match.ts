import type { ApprovalRecord } from './approval.js';
import type { ArgMatcher, ArgMatcherInput, GrantMatch, GrantMatchInput, TextMatcher } from './grants.js';

/** The explicit matcher a shorthand stands for: a string with `*` is a glob; other bare values must be equal. */
export function normalizeMatcher(input: ArgMatcherInput): ArgMatcher {
  if (typeof input === 'string') return input.includes('*') ? { glob: input } : { equals: input };
  if (input === null || typeof input !== 'object') return { equals: input };
  return input;
}

export function normalizeMatchers(args: Record<string, ArgMatcherInput>): Record<string, ArgMatcher> {
  return Object.fromEntries(Object.entries(args).map(([key, matcher]) => [key, normalizeMatcher(matcher)]));
}

/**
 * A value the request carried, as a matcher that matches it literally: agent text never becomes a pattern. Without a
 * `*` the bare text already means itself, and stays bare so grants read as they always have.
 */
export function literalText(value: string): TextMatcher {
  return value.includes('*') ? { equals: value } : value;
}

/**
 * What a text matcher stands for, before any value is read: the one reading of `*` that the hub matches by and the
 * console describes by.
 * - `literal`: `{ equals }`, this text exactly, a `*` in it included (agent text kept as written);
 * - `anything`: a pattern of only `*`, any text at all;
 * - `pattern`: a pattern holding a `*`, which stands for any run of characters;
 * - `exact`: a pattern without `*`, which is its own text.
 */
export type TextMatcherMeaning =
  | { kind: 'literal'; text: string }
  | { kind: 'anything' }
  | { kind: 'pattern'; pattern: string }
  | { kind: 'exact'; text: string };

export function textMatcherMeaning(matcher: TextMatcher): TextMatcherMeaning {
  if (typeof matcher !== 'string') return { kind: 'literal', text: matcher.equals };
  if (/^\*+$/.test(matcher)) return { kind: 'anything' };
  return matcher.includes('*') ? { kind: 'pattern', pattern: matcher } : { kind: 'exact', text: matcher };
}

const literalList = (values: readonly string[]): TextMatcher[] => [...new Set(values)].map(literalText);

/** A challenge resource naming an MCP tool definition by its fingerprint, as the MCP proxy sends it: `mcp-tool:<server>/<tool>#sha256:…`. */
export function isToolFingerprint(resource: string): boolean {
  return /^mcp-tool:.+#sha256:[A-Za-z0-9_-]+$/.test(resource);
}

/**
 * The stored match of a grant made on `record`: what the reviewer widened, and the request's own values for the rest
 * (same agent, tool, end user and arguments), which match literally. The hub stores this; the console previews it
 * before a grant is made.
 */
export function grantMatchFor(record: ApprovalRecord, input: GrantMatchInput = {}): GrantMatch {
  const match: GrantMatch = {
    agent: input.agent ?? literalText(record.agent.id),
    toolName: input.toolName ?? record.toolName,
    onBehalfOf: input.onBehalfOf !== undefined ? input.onBehalfOf : record.onBehalfOf !== undefined ? literalText(record.onBehalfOf) : null,
  };
  const byChallenges = input.actions !== undefined || input.resources !== undefined;
  if (byChallenges) {
    const own = record.challenges ?? [];
    match.challenges = {
      actions: input.actions ?? literalList(own.flatMap((c) => c.actions)),
      resources: input.resources ?? literalList(own.flatMap((c) => c.resources)),
    };
  }
  else if (record.challenges?.some((c) => c.resources.some(isToolFingerprint))) {
    // The call was made under a tool definition (the MCP proxy's fingerprint): a grant on arguments alone would
    // keep deciding after the tool changed under it, so it also pins the request's challenges literally.
    match.challenges = { actions: literalList(record.challenges.flatMap((c) => c.actions)), resources: literalList(record.challenges.flatMap((c) => c.resources)) };
  }
  // Matching on challenges replaces matching on arguments, unless the reviewer also constrains arguments.
  if (!byChallenges || input.args !== undefined) {
    const exact: Record<string, ArgMatcher> = Object.fromEntries(Object.entries(record.args).map(([key, value]) => [key, { equals: value }]));
    match.args = { ...exact, ...normalizeMatchers(input.args ?? {}) };
  }
  return match;
}
