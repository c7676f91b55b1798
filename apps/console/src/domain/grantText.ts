import type { ApprovalRecord, ArgMatcher, Grant, GrantMatch, GrantMatchInput, JsonValue } from '@approval-hub/protocol';

const quote = (value: JsonValue): string => (typeof value === 'string' ? `“${value}”` : JSON.stringify(value));

/** One argument's matcher in words: `path matches “/tmp/*”`, `amount ≤ 100`, `mode is anything`. */
export function describeArgMatcher(name: string, matcher: ArgMatcher): string {
  if ('any' in matcher) return `${name} is anything`;
  if ('equals' in matcher) return `${name} is ${quote(matcher.equals)}`;
  if ('glob' in matcher) return `${name} matches ${quote(matcher.glob)}`;
  if (matcher.gte !== undefined && matcher.lte !== undefined) return `${name} is between ${matcher.gte} and ${matcher.lte}`;
  return matcher.gte !== undefined ? `${name} ≥ ${matcher.gte}` : `${name} ≤ ${matcher.lte}`;
}

const pattern = (p: string, anything: string) => (p === '*' ? anything : p.includes('*') ? `matching “${p}”` : `“${p}”`);

/** A grant's match in plain words, for the Grants view and the preview before one is made. */
export function describeMatch(effect: Grant['effect'], match: GrantMatch, queue: string): string {
  const verb = effect === 'allow' ? 'Allow' : 'Deny';
  const who = match.agent === '*' ? 'any agent' : `agent ${pattern(match.agent, 'any agent')}`;
  const user = match.onBehalfOf === null ? '' : ` on behalf of ${pattern(match.onBehalfOf, 'anyone')}`;
  const parts = [`${verb} ${pattern(match.toolName, 'any tool')} by ${who}${user} in queue “${queue}”`];
  if (match.challenges) parts.push(`for actions ${match.challenges.actions.join(', ')} on ${match.challenges.resources.join(', ') || 'no resources'}`);
  if (match.args) {
    const args = Object.entries(match.args).map(([name, m]) => describeArgMatcher(name, m));
    parts.push(args.length > 0 ? `when ${args.join(', ')}` : 'when called without arguments');
  }
  return parts.join(' ');
}

function normalized(input: GrantMatchInput['args']): Record<string, ArgMatcher> {
  const out: Record<string, ArgMatcher> = {};
  for (const [key, value] of Object.entries(input ?? {})) {
    if (typeof value === 'string') out[key] = value.includes('*') ? { glob: value } : { equals: value };
    else if (value === null || typeof value !== 'object') out[key] = { equals: value };
    else out[key] = value;
  }
  return out;
}

/** The match the hub will store for `input` made on `record` (the same defaults it applies), for the preview. */
export function previewMatch(record: ApprovalRecord, input: GrantMatchInput = {}): GrantMatch {
  const match: GrantMatch = {
    agent: input.agent ?? record.agent.id,
    toolName: input.toolName ?? record.toolName,
    onBehalfOf: input.onBehalfOf !== undefined ? input.onBehalfOf : (record.onBehalfOf ?? null),
  };
  const byChallenges = input.actions !== undefined || input.resources !== undefined;
  if (byChallenges) {
    const own = record.challenges ?? [];
    match.challenges = {
      actions: input.actions ?? [...new Set(own.flatMap((c) => c.actions))],
      resources: input.resources ?? [...new Set(own.flatMap((c) => c.resources))],
    };
  }
  if (!byChallenges || input.args !== undefined) {
    const exact = Object.fromEntries(Object.entries(record.args).map(([key, value]) => [key, { equals: value } as ArgMatcher]));
    match.args = { ...exact, ...normalized(input.args) };
  }
  return match;
}

/** "12 min left", "expired", "used 2 of 5". */
export function describeLifetime(grant: Grant, serverNowMs: number): string {
  const uses = grant.maxUses !== undefined ? `used ${grant.uses} of ${grant.maxUses}` : `used ${grant.uses} ${grant.uses === 1 ? 'time' : 'times'}`;
  if (grant.status === 'revoked') return `${uses}; revoked${grant.revokedBy ? ` by ${grant.revokedBy.name}` : ''}`;
  if (grant.status === 'used_up') return `${uses}; used up`;
  const left = Date.parse(grant.expiresAt) - serverNowMs;
  if (grant.status === 'expired' || left <= 0) return `${uses}; expired`;
  const minutes = Math.ceil(left / 60_000);
  return `${uses}; ${minutes >= 120 ? `${Math.round(minutes / 60)} h` : `${minutes} min`} left`;
}
