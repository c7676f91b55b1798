import { ApprovalRecord, DecisionLinkView, ErrorBody, type DecisionLinkBody, type ErrorCode } from '@approval-hub/protocol';
import type { z } from 'zod';

/** A link call's outcome: the hub's answer, or its error code with the record it carried (`already_decided`). */
export type LinkAnswer<T> = { ok: true; data: T } | { ok: false; code: ErrorCode | 'network' | 'bad_response'; message: string; record: ApprovalRecord | null };

export interface DecisionLinkClient {
  view(token: string): Promise<LinkAnswer<DecisionLinkView>>;
  decide(token: string, body: DecisionLinkBody): Promise<LinkAnswer<ApprovalRecord>>;
}

/** The two routes of `/api/decision-links/:token`: same origin, no bearer token (the link is the credential). */
export function createDecisionLinkClient(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): DecisionLinkClient {
  const call = async <S extends z.ZodType>(token: string, schema: S, init: RequestInit): Promise<LinkAnswer<z.infer<S>>> => {
    let response: Response;
    try {
      response = await fetchImpl(`/api/decision-links/${encodeURIComponent(token)}`, { ...init, headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}) } });
    } catch {
      return { ok: false, code: 'network', message: 'The hub could not be reached.', record: null };
    }
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Reported below as a response the page does not understand.
    }
    if (!response.ok) {
      const error = ErrorBody.safeParse(body);
      if (!error.success) return { ok: false, code: 'bad_response', message: `The hub answered ${response.status}.`, record: null };
      const record = ApprovalRecord.safeParse(error.data.error.details);
      return { ok: false, code: error.data.error.code, message: error.data.error.message, record: record.success ? record.data : null };
    }
    const parsed = schema.safeParse(body);
    return parsed.success ? { ok: true, data: parsed.data } : { ok: false, code: 'bad_response', message: 'The hub sent data this page does not understand.', record: null };
  };
  return {
    view: (token) => call(token, DecisionLinkView, { method: 'GET' }),
    decide: (token, body) => call(token, ApprovalRecord, { method: 'POST', body: JSON.stringify(body) }),
  };
}
