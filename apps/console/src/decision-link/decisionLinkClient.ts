import { ApprovalRecord, type DecisionLinkBody, DecisionLinkView, type ErrorCode } from '@approval-hub/protocol';
import { HubRequestError, createRestClient } from '../hub/restClient';

/** A link call's outcome: the hub's answer, or its error code with the record it carried (`already_decided`). */
export type LinkAnswer<T> = { ok: true; data: T } | { ok: false; code: ErrorCode | 'network' | 'bad_response'; message: string; record: ApprovalRecord | null };

export interface DecisionLinkClient {
  view(token: string): Promise<LinkAnswer<DecisionLinkView>>;
  decide(token: string, body: DecisionLinkBody): Promise<LinkAnswer<ApprovalRecord>>;
}

/** The two routes of `/api/decision-links/:token`: same origin, no bearer token (the link is the credential). */
export function createDecisionLinkClient(fetchImpl?: typeof fetch): DecisionLinkClient {
  const rest = createRestClient({ getToken: () => null, ...(fetchImpl ? { fetchImpl } : {}) });
  const answer = async <T>(request: Promise<T>): Promise<LinkAnswer<T>> => {
    try {
      return { ok: true, data: await request };
    } catch (error) {
      if (!(error instanceof HubRequestError)) throw error;
      const record = ApprovalRecord.safeParse(error.details);
      return { ok: false, code: error.code, message: error.message, record: record.success ? record.data : null };
    }
  };
  const path = (token: string) => `/api/decision-links/${encodeURIComponent(token)}`;
  return {
    view: (token) => answer(rest.get(path(token), {}, DecisionLinkView)),
    decide: (token, body) => answer(rest.post(path(token), body, ApprovalRecord)),
  };
}
