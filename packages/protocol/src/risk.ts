import { z } from 'zod';
import { label, text } from './text.js';

/** How much harm a tool call can do if it is wrong. Ordered: `low` < `medium` < `high` < `critical`. */
export const RiskLevel = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskLevel = z.infer<typeof RiskLevel>;

/** The levels in rising order. */
export const RISK_LEVELS: readonly RiskLevel[] = RiskLevel.options;

/** A level's rank: 0 for `low` … 3 for `critical`. */
export function riskRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

/** The higher of two levels (either may be absent). */
export function higherRisk(a: RiskLevel | undefined, b: RiskLevel | undefined): RiskLevel | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return riskRank(a) >= riskRank(b) ? a : b;
}

export const MAX_SUMMARY_LENGTH = 200;
export const MAX_RATIONALE_LENGTH = 8000;
export const MAX_CONTEXT_TURNS = 20;
export const MAX_TURN_LENGTH = 2000;

/** A one-line summary of what the call will do, in the agent's words ("Delete pod web-1 in prod"). */
export const RequestSummary = label(MAX_SUMMARY_LENGTH);

/** One turn of the conversation that led to the call, as the agent saw it. */
export const ConversationTurn = z.strictObject({
  role: z.enum(['user', 'assistant', 'tool', 'system']),
  content: text(MAX_TURN_LENGTH),
});
export type ConversationTurn = z.infer<typeof ConversationTurn>;

/** Why the agent wants this call: its rationale (Markdown, rendered safely) and an excerpt of recent turns. */
export const RequestContext = z.strictObject({
  /** Markdown. Consoles render it without raw HTML and show every link's real target. */
  rationale: text(MAX_RATIONALE_LENGTH).optional(),
  /** The most recent turns, oldest first, at most MAX_CONTEXT_TURNS of at most MAX_TURN_LENGTH characters. */
  turns: z.array(ConversationTurn).max(MAX_CONTEXT_TURNS).optional(),
});
export type RequestContext = z.infer<typeof RequestContext>;
