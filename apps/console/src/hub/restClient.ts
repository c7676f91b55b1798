import { ErrorBody, type ErrorCode } from '@approval-hub/protocol';
import type { z } from 'zod';

/**
 * A failed REST call: the hub's own error code, or `network` / `bad_response` for what never reached it or made no
 * sense. `details`: what the hub's error envelope carried along (the winning record of `already_decided`…).
 */
export class HubRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'network' | 'bad_response',
    message: string,
    readonly status: number | null,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HubRequestError';
  }
}

export type QueryValue = string | number | undefined | null;

export interface RestCallOptions {
  readonly signal?: AbortSignal;
  /**
   * Error statuses whose body is still an answer in `schema` (health's 503 `degraded`): parsed and
   * returned, not thrown. Any other non-2xx throws a HubRequestError.
   */
  readonly answerStatuses?: readonly number[];
}

/**
 * The console's one way to call the hub's REST API: the bearer token when there is one, JSON in and out, the
 * answer checked against its schema, the error envelope turned into a HubRequestError, and an AbortSignal honoured
 * (an aborted call rejects with the abort, not as a network failure).
 */
export interface RestClient {
  get<S extends z.ZodType>(path: string, query: Record<string, QueryValue>, schema: S, options?: RestCallOptions): Promise<z.infer<S>>;
  /** `POST path` with `body` as JSON (none when undefined): the answer checked against `schema`. */
  post<S extends z.ZodType>(path: string, body: unknown, schema: S, options?: RestCallOptions): Promise<z.infer<S>>;
  /** `DELETE path`: the answer checked against `schema`. */
  delete<S extends z.ZodType>(path: string, schema: S, options?: RestCallOptions): Promise<z.infer<S>>;
}

export interface RestClientOptions {
  /** '' in the browser: the hub serves the console, so the API is same-origin. */
  readonly baseUrl?: string;
  /** The bearer token; null sends none (a decision link is its own credential). */
  readonly getToken: () => string | null;
  readonly fetchImpl?: typeof fetch;
}

export function buildQuery(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function createRestClient(options: RestClientOptions): RestClient {
  const baseUrl = options.baseUrl ?? '';
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));

  const call = async <S extends z.ZodType>(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body: unknown,
    schema: S,
    callOptions: RestCallOptions = {},
  ): Promise<z.infer<S>> => {
    const { signal, answerStatuses } = callOptions;
    const token = options.getToken();
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new HubRequestError('network', 'The hub could not be reached.', null);
    }
    let answer: unknown = null;
    try {
      answer = await response.json();
    } catch {
      // A body that is not JSON is reported below.
    }
    if (!response.ok && !answerStatuses?.includes(response.status)) {
      const parsed = ErrorBody.safeParse(answer);
      if (parsed.success) throw new HubRequestError(parsed.data.error.code, parsed.data.error.message, response.status, parsed.data.error.details);
      throw new HubRequestError('bad_response', `The hub answered ${response.status}.`, response.status);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new HubRequestError('bad_response', 'The hub sent data this console does not understand.', response.status);
    return parsed.data;
  };

  return {
    get: (path, query, schema, callOptions) => call('GET', `${baseUrl}${path}${buildQuery(query)}`, undefined, schema, callOptions),
    post: (path, body, schema, callOptions) => call('POST', `${baseUrl}${path}`, body, schema, callOptions),
    delete: (path, schema, callOptions) => call('DELETE', `${baseUrl}${path}`, undefined, schema, callOptions),
  };
}
