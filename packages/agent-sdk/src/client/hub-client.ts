import type { ApprovalResponse, Challenge, JsonObject, RequestContext, RiskLevel } from '@approval-hub/protocol';
import type { Backoff } from './backoff.js';
import type { Logger } from './logger.js';

export interface ConnectHubOptions {
  /**
   * The hub's base URL, e.g. `http://localhost:4000`; the client joins its `/agent` namespace. Several URLs (nodes
   * of one hub, sharing its database) are tried round-robin: when the one in use refuses the connection, or drops
   * it and one reconnect to it fails, the client moves to the next. Waiting calls are re-sent there (idempotently,
   * by requestId) and each still settles exactly once.
   */
  url: string | readonly string[];
  /** An agent token issued by the hub. */
  token: string;
  /** Shown to reviewers with each request. */
  agentName: string;
  /** How long to wait for the hub to acknowledge one emit before sending it again. Default 10 s. */
  requestTimeoutMs?: number;
  /** Delays for retries after `internal`/`rate_limited` and for reconnects. */
  backoff?: Backoff;
  logger?: Logger;
}

/** One tool call to put in front of a reviewer. */
export interface RequestApprovalOptions {
  toolName: string;
  args: JsonObject;
  runId: string;
  conversationId?: string;
  description?: string;
  /** How much harm the call can do; hub rules may raise it, never lower it. */
  risk?: RiskLevel;
  /** One line saying what the call will do (at most 200 characters). */
  summary?: string;
  /** Why: Markdown rationale and recent conversation turns, size-limited. */
  context?: RequestContext;
  /** ADK-style challenges: the actions the call performs on the resources it touches. */
  challenges?: Challenge[];
  /** The end user the agent acts for; grants can match on it. */
  onBehalfOf?: string;
  queue?: string;
  /** How long reviewers have before the hub applies its timeout rule. */
  timeoutMs?: number;
  /** The idempotency key; a random UUID unless given. */
  requestId?: string;
  /** Aborting cancels the request on the hub and rejects with an AbortError. */
  signal?: AbortSignal;
}

export interface HubClientEvents {
  connect: () => void;
  disconnect: (reason: string) => void;
  error: (error: Error) => void;
}

/** A live connection to the hub's `/agent` namespace. */
export interface HubClient {
  readonly connected: boolean;
  /**
   * Asks for approval and resolves once, with the decision. Survives lost acks, reconnects and hub restarts;
   * rejects with HubError on a final error, AbortError on abort, ClientClosedError on close.
   */
  requestApproval(options: RequestApprovalOptions): Promise<ApprovalResponse>;
  /** Resolves when connected; rejects if the hub refused this token or the client was closed. */
  waitUntilConnected(): Promise<void>;
  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof HubClientEvents>(event: E, listener: HubClientEvents[E]): () => void;
  /** Disconnects and rejects every waiting call. */
  close(): void;
}
