import type { Message, Model, ModelStep } from './model.js';

export interface ScriptedToolCall {
  name: string;
  args: unknown;
  /** Defaults to `call_<step>_<index>`. */
  id?: string;
}

/** One scripted step: a string or `{ final }` answers; `{ toolCalls }` calls tools. */
export type ScriptedStep = string | { final: string } | { toolCalls: ScriptedToolCall[]; content?: string };

/** A step, or a function of the conversation so far that returns one. */
export type ScriptEntry = ScriptedStep | ((messages: readonly Message[]) => ScriptedStep);

/**
 * A deterministic model for demos and tests. It plays `script[n]` at the n-th step of a run (counted from the
 * last user message, so one model serves many runs); a function script is asked at every step instead.
 */
export function scriptedModel(script: readonly ScriptEntry[] | ((messages: readonly Message[], step: number) => ScriptedStep)): Model {
  return {
    async nextStep({ messages }) {
      const step = stepIndexOf(messages);
      let entry: ScriptEntry | undefined;
      if (typeof script === 'function') entry = script(messages, step);
      else entry = script[step];
      if (entry === undefined) throw new Error(`scriptedModel: the script has no step ${step}`);
      return toModelStep(typeof entry === 'function' ? entry(messages) : entry, step);
    },
  };
}

function stepIndexOf(messages: readonly Message[]): number {
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  return messages.slice(lastUser + 1).filter((m) => m.role === 'assistant').length;
}

function toModelStep(step: ScriptedStep, index: number): ModelStep {
  if (typeof step === 'string') return { type: 'final', content: step };
  if ('final' in step) return { type: 'final', content: step.final };
  const toolCalls = step.toolCalls.map((call, i) => ({ id: call.id ?? `call_${index}_${i}`, name: call.name, args: call.args }));
  return step.content === undefined ? { type: 'tool_calls', toolCalls } : { type: 'tool_calls', toolCalls, content: step.content };
}
