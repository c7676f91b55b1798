import { MAX_CONTEXT_TURNS, MAX_RATIONALE_LENGTH, MAX_SUMMARY_LENGTH, MAX_TURN_LENGTH, type ConversationTurn, type RequestContext } from '@approval-hub/protocol';
import type { Message } from './model.js';

/** How many recent turns go with a request: enough to see what was asked, small enough to read at a glance. */
export const CONTEXT_TURNS = 6;

/** At most `max` UTF-16 units, never splitting a character; marked with `…` when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 1) break;
    out += char;
  }
  return `${out}…`;
}

/** Control characters the contract refuses in free text become U+FFFD, visible and harmless. */
function printable(text: string): string {
  return text.toWellFormed().replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '\uFFFD');
}

/** One line for the queue: whitespace runs collapsed, control characters replaced, clipped. */
export function oneLine(text: string): string {
  return clip(printable(text).replace(/\s+/g, ' ').trim(), MAX_SUMMARY_LENGTH);
}

function turnOf(message: Message): ConversationTurn | null {
  switch (message.role) {
    case 'system':
      return null; // the agent's own instructions are not the conversation
    case 'assistant':
      if (!message.content) return null;
      return { role: 'assistant', content: clip(printable(message.content), MAX_TURN_LENGTH) };
    default:
      return { role: message.role, content: clip(printable(message.content), MAX_TURN_LENGTH) };
  }
}

/**
 * What the reviewer should read before deciding: the model's own words around the tool call as the rationale, and
 * the last few turns before it. Both are bounded to what the hub accepts.
 */
export function requestContextOf(assistantText: string | null | undefined, before: readonly Message[]): RequestContext | undefined {
  const context: RequestContext = {};
  const rationale = assistantText?.trim();
  if (rationale) context.rationale = clip(printable(rationale), MAX_RATIONALE_LENGTH);
  const turns = before.map(turnOf).filter((t): t is ConversationTurn => t !== null).slice(-Math.min(CONTEXT_TURNS, MAX_CONTEXT_TURNS));
  if (turns.length > 0) context.turns = turns;
  return Object.keys(context).length > 0 ? context : undefined;
}
