import { z } from 'zod';
import { stableJson } from './json-text.js';

// What the model is told when a call did not simply run. Each starts with a tag the model (and a log reader) can key on.

export function deniedMessage(reason: string | undefined): string {
  return `[DENIED] ${reason?.trim() || 'No reason given'}`;
}

export function timeoutMessage(): string {
  return '[TIMEOUT] No reviewer decided on this call in time, so it was not made. Do not retry it and do not try to reach the same result another way; tell the user it is waiting for approval.';
}

export function cancelledMessage(reason: string | undefined): string {
  const why = reason?.trim() ? ` (${reason.trim()})` : '';
  return `[CANCELLED] The approval request was cancelled${why}, so the call was not made.`;
}

export function unknownToolMessage(name: string, available: readonly string[]): string {
  return `[UNKNOWN TOOL] There is no tool named "${name}". Available tools: ${available.join(', ') || 'none'}.`;
}

export function invalidArgumentsMessage(error: z.ZodError): string {
  return `[INVALID ARGUMENTS] The call was not made: ${z.prettifyError(error)}\nFix the arguments and call again.`;
}

export function invalidEditMessage(editedArgs: unknown, error: z.ZodError): string {
  return `[NOT RUN] A reviewer approved the call with edited arguments ${stableJson(editedArgs)}, but they do not fit the tool's parameters, so the call was not made: ${z.prettifyError(error)}`;
}

export function editedResultMessage(editedArgs: unknown, result: string): string {
  return `[EDITED] A reviewer edited the arguments before approving; the call ran with ${stableJson(editedArgs)}.\nResult: ${result}`;
}

export function toolErrorMessage(error: unknown): string {
  return `[ERROR] The tool failed: ${error instanceof Error ? error.message : String(error)}`;
}
