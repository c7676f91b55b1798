import { z } from 'zod';
import type { Message, Model, ModelStep, ToolCall } from './model.js';

export interface OpenAICompatibleModelOptions {
  /** The API root that `/chat/completions` hangs off: `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), … */
  baseURL: string;
  /** Sent as `Authorization: Bearer …`; local servers usually need none. */
  apiKey?: string;
  /** The model name the server knows, e.g. `gpt-4.1-mini`, `llama3.1`. */
  model: string;
  temperature?: number;
  maxTokens?: number;
  /** Extra request headers (an organization, a proxy's auth). */
  headers?: Record<string, string>;
  /** Abort one model call after this long. Default 120 s. */
  timeoutMs?: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

const DEFAULT_TIMEOUT_MS = 120_000;

// Only what the SDK reads; servers add many more fields. `arguments` is a JSON string in the OpenAI format, but
// some servers (older Ollama) send an object.
const ChatCompletion = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() })), z.null()]).optional(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().optional(),
                function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }),
              }),
            )
            .nullish(),
        }),
      }),
    )
    .min(1),
});

/** The error a model call fails with when the server answers with an error status or an unreadable body. */
export class ModelResponseError extends Error {
  override readonly name = 'ModelResponseError';
  readonly status: number | undefined;

  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/**
 * A `Model` over any OpenAI-compatible chat-completions API (OpenAI, Ollama, vLLM, llama.cpp's server, LM Studio):
 * tool calling, streaming off.
 */
export function openAICompatibleModel(options: OpenAICompatibleModelOptions): Model {
  const url = `${options.baseURL.replace(/\/+$/, '')}/chat/completions`;
  const doFetch = options.fetch ?? fetch;
  return {
    async nextStep({ messages, tools, signal }) {
      const body: Record<string, unknown> = { model: options.model, messages: messages.map(wireMessageOf), stream: false };
      // Some servers refuse an empty `tools` array.
      if (tools.length > 0) {
        body.tools = tools.map((tool) => ({ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));
        body.tool_choice = 'auto';
      }
      if (options.temperature !== undefined) body.temperature = options.temperature;
      if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      const response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey !== undefined && { authorization: `Bearer ${options.apiKey}` }),
          ...options.headers,
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await response.text();
      if (!response.ok) throw new ModelResponseError(`${url} answered ${response.status}: ${text.slice(0, 500)}`, response.status);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ModelResponseError(`${url} answered with a body that is not JSON: ${text.slice(0, 200)}`, response.status);
      }
      const parsed = ChatCompletion.safeParse(json);
      if (!parsed.success) throw new ModelResponseError(`${url} answered with an unexpected shape: ${z.prettifyError(parsed.error)}`, response.status);
      return stepOf(parsed.data);
    },
  };
}

function stepOf(completion: z.infer<typeof ChatCompletion>): ModelStep {
  const message = completion.choices[0]!.message;
  const content = textOf(message.content);
  const toolCalls: ToolCall[] = (message.tool_calls ?? []).map((call, index) => ({
    // llama.cpp and some proxies leave the id out; the agent needs one to pair the result with the call.
    id: call.id ?? `call_${index}`,
    name: call.function.name,
    args: argumentsOf(call.function.arguments),
  }));
  if (toolCalls.length === 0) return { type: 'final', content: content ?? '' };
  return content ? { type: 'tool_calls', toolCalls, content } : { type: 'tool_calls', toolCalls };
}

function textOf(content: z.infer<typeof ChatCompletion>['choices'][number]['message']['content']): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((part) => part.text ?? '').join('');
  return undefined;
}

/** Malformed JSON is passed on as the raw text, so the tool's validation tells the model what was wrong. */
function argumentsOf(raw: string | Record<string, unknown> | undefined): unknown {
  if (raw === undefined || raw === '') return {};
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Our message as the chat-completions wire format has it. */
function wireMessageOf(message: Message): Record<string, unknown> {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        ...(message.toolCalls?.length && {
          tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: JSON.stringify(call.args ?? {}) } })),
        }),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}
