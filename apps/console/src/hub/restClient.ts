import { ErrorBody, type ErrorCode } from '@approval-hub/protocol';
import type { z } from 'zod';

/** A failed REST call: the hub's own error code, or `network` / `bad_response` for what never reached it or made no sense. */
export class HubRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'network' | 'bad_response',
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'HubRequestError';
  }
}

export type QueryValue = string | number | undefined | null;

export interface RestGetOptions {
  readonly signal?: AbortSignal;
  /**
   * Error statuses whose body is still an answer in `schema` (health's 503 `degraded`): parsed and
   * returned, not thrown. Any other non-2xx throws a HubRequestError.
   */
  readonly answerStatuses?: readonly number[];
}

export interface RestClient {
  get<S extends z.ZodType>(path: string, query: Record<string, QueryValue>, schema: S, options?: RestGetOptions): Promise<z.infer<S>>;
  /** `DELETE path`: the answer checked against `schema`. */
  delete<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>>;
}

export interface RestClientOptions {
  /** '' in the browser: the hub serves the console, so the API is same-origin. */
  readonly baseUrl?: string;
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

  const call = async <S extends z.ZodType>(method: 'GET' | 'DELETE', url: string, schema: S, getOptions: RestGetOptions = {}): Promise<z.infer<S>> => {
      const { signal, answerStatuses } = getOptions;
      const token = options.getToken();
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method,
          headers: { Accept: 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        throw new HubRequestError('network', 'The hub could not be reached.', null);
      }
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        // A body that is not JSON is reported below.
      }
      if (!response.ok && !answerStatuses?.includes(response.status)) {
        const parsed = ErrorBody.safeParse(body);
        if (parsed.success) throw new HubRequestError(parsed.data.error.code, parsed.data.error.message, response.status);
        throw new HubRequestError('bad_response', `The hub answered ${response.status}.`, response.status);
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new HubRequestError('bad_response', 'The hub sent data this console does not understand.', response.status);
      return parsed.data;
  };

  return {
    get: (path, query, schema, getOptions) => call('GET', `${baseUrl}${path}${buildQuery(query)}`, schema, getOptions),
    delete: (path, schema) => call('DELETE', `${baseUrl}${path}`, schema),
  };
}
