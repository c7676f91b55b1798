import { z } from 'zod';
import { ApprovalCancel, ApprovalRecord, ApprovalStatus } from './approval.js';
import { AuditEntry, AuditType } from './audit.js';
import { Grant } from './grants.js';
import { IsoTime, QueueName, ToolName } from './text.js';

/** Every REST list: `{ items, nextCursor }`; pass `nextCursor` back as `cursor` for the next page. */
export type Page<T> = { items: T[]; nextCursor: string | null };
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

export const MAX_SEARCH_LENGTH = 200;

const Limit = z.coerce.number().int().min(1).max(500).default(50);
const Cursor = z.string().max(200).regex(/^[A-Za-z0-9_-]+$/, 'not a cursor from this API');
const StatusList = z
  .string()
  .transform((s) => s.split(',').filter(Boolean))
  .pipe(z.array(ApprovalStatus).min(1));

/** `GET /api/approvals` query. `status` may list several, comma-separated. */
export const ApprovalListQuery = z.strictObject({
  status: StatusList.optional(),
  queue: QueueName.optional(),
  agentName: z.string().max(128).optional(),
  toolName: ToolName.optional(),
  conversationId: z.string().max(256).optional(),
  /**
   * Free text, at most MAX_SEARCH_LENGTH characters: matches a request id, run id or conversation id exactly or in
   * part, and the tool name, arguments, summary or agent label in part (case-insensitive for ASCII).
   */
  q: z.string().trim().min(1).max(MAX_SEARCH_LENGTH).optional(),
  /** `created` (default): newest request first. `decided`: most recently decided first; only decided requests. */
  sort: z.enum(['created', 'decided']).default('created'),
  limit: Limit,
  cursor: Cursor.optional(),
});
export type ApprovalListQuery = z.infer<typeof ApprovalListQuery>;

/** `GET /api/audit` query. */
export const AuditListQuery = z.strictObject({
  requestId: z.string().max(128).optional(),
  type: z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(AuditType).min(1))
    .optional(),
  queue: QueueName.optional(),
  since: IsoTime.optional(),
  until: IsoTime.optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});
export type AuditListQuery = z.infer<typeof AuditListQuery>;

export const MAX_WAIT_MS = 120_000;

/** `GET /api/approvals/:id/wait` query: hold the request open until a decision or `timeoutMs`. */
export const WaitQuery = z.strictObject({ timeoutMs: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(30_000) });
export type WaitQuery = z.infer<typeof WaitQuery>;

/** `GET /api/verify?head=SEQ:HASH`: also check that the chain still holds this exported head. */
export const AuditVerifyQuery = z.strictObject({
  head: z
    .string()
    .regex(/^\d{1,15}:[0-9a-f]{64}$/, 'expected SEQ:HASH from audit head')
    .optional(),
});
export type AuditVerifyQuery = z.infer<typeof AuditVerifyQuery>;

/** `GET /api/health`: 200 `ok`, or 503 `degraded` with the reason (writes failing, database replaced). */
export const HealthResponse = z.object({
  status: z.enum(['ok', 'degraded']),
  reason: z.string().optional(),
  version: z.string(),
  serverTime: IsoTime,
  uptimeMs: z.number(),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** `GET /api/me`: who the bearer token is. */
export const Principal = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(['agent', 'reviewer', 'admin']),
  queues: z.array(z.string()).nullable(),
});
export type Principal = z.infer<typeof Principal>;
export type Role = Principal['role'];

/**
 * `POST /api/approvals/:id/decision-link`: a signed, single-use decision link for the caller (a reviewer) to decide
 * one pending request, as notifications send it. The URL is a bearer credential: show it only to that reviewer.
 */
export const IssuedDecisionLink = z.object({
  /** `<publicUrl>/d/<token>`: opens the decision page. */
  url: z.string(),
  /** When the link stops working (never after the request's deadline). */
  expiresAt: IsoTime,
});
export type IssuedDecisionLink = z.infer<typeof IssuedDecisionLink>;

/** `POST /api/approvals/:id/cancel` body (optional): the request id is in the path. */
export const CancelBody = ApprovalCancel.omit({ requestId: true });
export type CancelBody = z.infer<typeof CancelBody>;

/** `GET /api/metrics` query: `reset=loop` restarts the event-loop delay histogram (benchmarks). */
export const MetricsQuery = z.object({ reset: z.literal('loop').optional() });
export type MetricsQuery = z.infer<typeof MetricsQuery>;

/** The JSON process figures of `GET /api/metrics` (benchmarks read them). */
export const ProcessMetricsResponse = z.object({
  pid: z.int(),
  uptimeMs: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  cpuUserMicros: z.number(),
  cpuSystemMicros: z.number(),
  eventLoopDelayMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
  connections: z.object({ agents: z.int(), reviewers: z.int() }),
});
export type ProcessMetricsResponse = z.infer<typeof ProcessMetricsResponse>;

export const ApprovalPage = pageSchema(ApprovalRecord);
export const AuditPage = pageSchema(AuditEntry);
export const GrantPage = pageSchema(Grant);
/** The served API documents: only their version field is promised here; the validators check the rest. */
export const OpenApiDocument = z.looseObject({ openapi: z.string() });
export const AsyncApiDocument = z.looseObject({ asyncapi: z.string() });
