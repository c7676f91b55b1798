import type { ApprovalRecord, ArgMatcherInput, GrantInput, GrantMatchInput, TextMatcher } from '@approval-hub/protocol';

/** How far one argument is widened in the "allow similar" form. */
export type ArgScope = { kind: 'exact' } | { kind: 'any' } | { kind: 'glob'; pattern: string } | { kind: 'range'; gte: string; lte: string };

export interface GrantFormState {
  readonly args: Readonly<Record<string, ArgScope>>;
  readonly anyAgent: boolean;
  /** Match on the request's challenges (actions and resources patterns) instead of its arguments. */
  readonly byChallenges: boolean;
  readonly actions: string;
  readonly resources: string;
  /** The request's own actions and resources holding a `*`: agent text, sent as `{ equals }`, never as a pattern. */
  readonly literalDefaults: readonly string[];
  readonly ttlMs: number;
  /** Empty: unlimited. */
  readonly maxUses: string;
}

export const TTL_CHOICES: readonly { ms: number; label: string }[] = [
  { ms: 900_000, label: '15 minutes' },
  { ms: 3_600_000, label: '1 hour' },
  { ms: 28_800_000, label: '8 hours' },
  { ms: 86_400_000, label: '24 hours' },
];

export function initialGrantForm(record: ApprovalRecord): GrantFormState {
  const own = record.challenges ?? [];
  return {
    args: Object.fromEntries(Object.keys(record.args).map((key) => [key, { kind: 'exact' } as ArgScope])),
    anyAgent: false,
    byChallenges: false,
    actions: [...new Set(own.flatMap((c) => c.actions))].join(', '),
    resources: [...new Set(own.flatMap((c) => c.resources))].join(', '),
    literalDefaults: own.flatMap((c) => [...c.actions, ...c.resources]).filter((text) => text.includes('*')),
    ttlMs: 3_600_000,
    maxUses: '',
  };
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function matcherOf(scope: ArgScope): ArgMatcherInput | null {
  switch (scope.kind) {
    case 'exact':
      return null; // the hub's default: the request's own value
    case 'any':
      return { any: true };
    case 'glob':
      return scope.pattern.trim() === '' ? null : { glob: scope.pattern.trim() };
    case 'range': {
      const gte = scope.gte.trim() === '' ? undefined : Number(scope.gte);
      const lte = scope.lte.trim() === '' ? undefined : Number(scope.lte);
      // An empty range keeps the request's own value.
      if ((gte === undefined || Number.isNaN(gte)) && (lte === undefined || Number.isNaN(lte))) return null;
      return { ...(gte !== undefined && !Number.isNaN(gte) && { gte }), ...(lte !== undefined && !Number.isNaN(lte) && { lte }) };
    }
  }
}

/** The `grant` field the form asks for: only what differs from the hub's defaults. */
export function grantInputOf(form: GrantFormState): GrantInput {
  const match: GrantMatchInput = {};
  if (form.anyAgent) match.agent = '*';
  const args: Record<string, ArgMatcherInput> = {};
  for (const [key, scope] of Object.entries(form.args)) {
    const matcher = matcherOf(scope);
    if (matcher !== null) args[key] = matcher;
  }
  if (form.byChallenges) {
    const asSent = (text: string): TextMatcher => (form.literalDefaults.includes(text) ? { equals: text } : text);
    match.actions = list(form.actions).map(asSent);
    match.resources = list(form.resources).map(asSent);
  } else if (Object.keys(args).length > 0) match.args = args;
  const maxUses = Number.parseInt(form.maxUses, 10);
  return {
    ...(Object.keys(match).length > 0 && { match }),
    ttlMs: form.ttlMs,
    ...(Number.isInteger(maxUses) && maxUses > 0 && { maxUses }),
  };
}
