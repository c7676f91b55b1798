import {
  ApprovalDetail,
  ApprovalRecord,
  AuditEntry,
  Grant,
  type GrantStatus,
  HealthResponse,
  MAX_SEARCH_LENGTH,
  type Page,
  Principal,
  pageSchema,
} from '@approval-hub/protocol';
import type { AuditFilter, HistoryFilter } from '../store/historySlice';
import type { RestClient } from './restClient';

const ApprovalPage = pageSchema(ApprovalRecord);
const AuditPage = pageSchema(AuditEntry);
const GrantPage = pageSchema(Grant);

/** The REST endpoints the console reads, each answer checked against the protocol's schemas. */
export interface HubApi {
  me(): Promise<Principal>;
  health(): Promise<HealthResponse>;
  listApprovals(filter: HistoryFilter, cursor: string | null, limit: number, signal?: AbortSignal): Promise<Page<ApprovalRecord>>;
  getApproval(requestId: string, signal?: AbortSignal): Promise<ApprovalDetail>;
  listAudit(filter: AuditFilter, cursor: string | null, limit: number, signal?: AbortSignal): Promise<Page<AuditEntry>>;
  listGrants(statuses: readonly GrantStatus[], limit: number, signal?: AbortSignal): Promise<Page<Grant>>;
  revokeGrant(grantId: string): Promise<Grant>;
}

export function createHubApi(rest: RestClient): HubApi {
  return {
    me: () => rest.get('/api/me', {}, Principal),
    // 503 is how the hub says `degraded`: its body is a health answer like 200's.
    health: () => rest.get('/api/health', {}, HealthResponse, { answerStatuses: [503] }),
    listApprovals: (filter, cursor, limit, signal) =>
      rest.get(
        '/api/approvals',
        {
          status: filter.statuses.join(','),
          queue: filter.queue.trim(),
          agentName: filter.agentName.trim(),
          toolName: filter.toolName.trim(),
          q: filter.search.trim().slice(0, MAX_SEARCH_LENGTH),
          sort: filter.sort,
          limit,
          cursor,
        },
        ApprovalPage,
        { signal },
      ),
    getApproval: (requestId, signal) => rest.get(`/api/approvals/${encodeURIComponent(requestId)}`, {}, ApprovalDetail, { signal }),
    listAudit: (filter, cursor, limit, signal) =>
      rest.get('/api/audit', { type: filter.type, queue: filter.queue.trim(), limit, cursor }, AuditPage, { signal }),
    listGrants: (statuses, limit, signal) => rest.get('/api/grants', { status: statuses.join(','), limit }, GrantPage, { signal }),
    revokeGrant: (grantId) => rest.delete(`/api/grants/${encodeURIComponent(grantId)}`, Grant),
  };
}
