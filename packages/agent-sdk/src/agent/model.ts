import { z } from 'zod';
import type { Tool } from './tool.js';

/** A tool call as the model asked for it; `args` is the parsed JSON the model produced, not yet validated. */
export interface ToolCall {
  id: string;
  name: string;
  args: unknown;
}

/** The conversation, in the shape most chat-completion APIs use. */
export type Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

/** A tool as described to the model; `parameters` is JSON Schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/** What the model wants next: call tools, or answer. */
export type ModelStep = { type: 'tool_calls'; toolCalls: ToolCall[]; content?: string } | { type: 'final'; content: string };

export interface ModelRequest {
  messages: readonly Message[];
  tools: readonly ToolSpec[];
  signal?: AbortSignal;
}

/** A language model, or anything that can play one (see `scriptedModel`). Adapters for real providers implement this. */
export interface Model {
  nextStep(request: ModelRequest): Promise<ModelStep>;
}

/** Describes a tool to the model, with the JSON Schema of the arguments it should send. */
export function toolSpecOf(tool: Tool): ToolSpec {
  return { name: tool.name, description: tool.description, parameters: z.toJSONSchema(tool.parameters, { io: 'input' }) };
}
