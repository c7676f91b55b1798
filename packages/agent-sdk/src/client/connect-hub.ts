import {
  AgentEvent,
  ApprovalCancelled,
  ApprovalRecord,
  ApprovalRequestInput,
  ApprovalResponse,
  ApprovalSyncPage,
  ConnectErrorData,
  MAX_REASON_LENGTH,
  Namespace,
  ackSchema,
  fail,
  ok,
  responseOf,
  type Ack,
  type AgentClientToServerEvents,
  type AgentServerToClientEvents,
  type DeliveryReceipt,
  type ErrorCode,
} from '@approval-hub/protocol';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { DEFAULT_BACKOFF, backoffDelay, sleep, type Backoff } from './backoff.js';
import { ApprovalCancelledError, ClientClosedError, HubError, abortError } from './errors.js';
import type { ConnectHubOptions, HubClient, HubClientEvents, RequestApprovalOptions } from './hub-client.js';
import { hubUrlsOf, nextUrlIndex } from './hub-urls.js';
import { Listeners } from './listeners.js';
import { silentLogger, type Logger } from './logger.js';
import { PendingApprovals, type Waiter } from './pending-approvals.js';

type AgentSocket = Socket<AgentServerToClientEvents, AgentClientToServerEvents>;

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['internal', 'rate_limited']);
const HANDSHAKE_REFUSALS: ReadonlySet<ErrorCode> = new Set(['unauthorized', 'forbidden']);
/** The most ids one `approval.sync` may carry (see the `ApprovalSync` schema). */
const SYNC_BATCH_SIZE = 1000;
const CANCEL_ATTEMPTS = 3;

const RecordAck = ackSchema(ApprovalRecord);
const RecordListAck = ackSchema(z.array(ApprovalRecord));
const SyncPageAck = ackSchema(ApprovalSyncPage);

/** Connects an agent to the hub. The connection is made in the background; calls made before it wait for it. */
export function connectHub(options: ConnectHubOptions): HubClient {
  return new SocketHubClient(options);
}

class SocketHubClient implements HubClient {
  /** The socket to the hub URL in use; replaced by a socket to the next URL when that one is down. */
  private socket: AgentSocket;
  private readonly urls: readonly string[];
  private urlIndex = 0;
  private readonly token: string;
  private readonly agentName: string;
  private readonly requestTimeoutMs: number;
  private readonly backoff: Required<Backoff>;
  private readonly logger: Logger;
  private readonly listeners: Listeners<HubClientEvents>;
  private readonly pending = new PendingApprovals();
  private readonly connectWaiters = new Set<(connected: boolean) => void>();
  /** Aborted on stop, so that backoff sleeps end at once. */
  private readonly lifetime = new AbortController();
  private stopped: Error | null = null;
  private refusals = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ConnectHubOptions) {
    this.urls = hubUrlsOf(options.url);
    this.token = options.token;
    this.agentName = options.agentName;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.logger = options.logger ?? silentLogger;
    this.listeners = new Listeners(this.logger);
    this.socket = this.open(this.urlIndex);
  }

  /** A socket to `urls[index]`; its events count only while it is the socket in use. */
  private open(index: number): AgentSocket {
    const socket: AgentSocket = io(`${this.urls[index]!}${Namespace.agent}`, {
      auth: { token: this.token },
      forceNew: true,
      // WebSocket first: no sticky sessions needed behind a load balancer, and no polling handshake per (re)connection.
      // Long-polling (which needs session affinity) is tried only where the WebSocket fails.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      // With one URL Socket.IO reconnects by itself; with several, this client decides when to move on.
      reconnection: this.urls.length === 1,
      reconnectionDelay: this.backoff.initialDelayMs,
      reconnectionDelayMax: this.backoff.maxDelayMs,
    });
    const current = () => socket === this.socket;
    socket.on('connect', () => current() && this.onConnect());
    socket.on('disconnect', (reason) => current() && this.onDisconnect(reason));
    socket.on('connect_error', (error) => current() && this.onConnectError(error));
    // Decisions are acknowledged from whichever socket brings them: each settles its call at most once.
    socket.on(AgentEvent.response, (payload, ack) => {
      const receipt = this.receive(payload);
      if (typeof ack === 'function') ack(receipt);
    });
    socket.on(AgentEvent.cancelled, (payload) => this.onCancelled(payload));
    return socket;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  on<E extends keyof HubClientEvents>(event: E, listener: HubClientEvents[E]): () => void {
    return this.listeners.on(event, listener);
  }

  async waitUntilConnected(): Promise<void> {
    if (!(await this.connectedOrStopped())) throw this.stopped ?? new ClientClosedError();
  }

  close(): void {
    this.stop(new ClientClosedError());
  }

  requestApproval(options: RequestApprovalOptions): Promise<ApprovalResponse> {
    if (this.stopped) return Promise.reject(this.stopped);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const parsed = ApprovalRequestInput.safeParse({
      requestId: options.requestId ?? crypto.randomUUID(),
      agentName: this.agentName,
      toolName: options.toolName,
      args: options.args,
      runId: options.runId,
      conversationId: options.conversationId,
      description: options.description,
      risk: options.risk,
      summary: options.summary,
      context: options.context,
      challenges: options.challenges,
      onBehalfOf: options.onBehalfOf,
      queue: options.queue,
      timeoutMs: options.timeoutMs,
    });
    if (!parsed.success) {
      return Promise.reject(new HubError('invalid_payload', 'The approval request is invalid', z.flattenError(parsed.error)));
    }
    const input = parsed.data;
    if (this.pending.isWaitingFor(input.requestId)) {
      return Promise.reject(new HubError('conflict', `A call is already waiting on request ${input.requestId}`));
    }
    return new Promise<ApprovalResponse>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.pending.reject(input.requestId, abortError(signal?.reason))) {
          this.inBackground(this.cancelOnHub(waiter, cancelReasonOf(signal?.reason)), 'Cancelling on the hub', input.requestId);
        }
      };
      const waiter = this.pending.add(
        input,
        (response) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(response);
        },
        (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.inBackground(this.submit(waiter), 'Sending the request', input.requestId);
    });
  }

  /**
   * Runs one of the client's own loops (sending a request until the hub acks it, cancelling on the hub, syncing after a
   * reconnect) without waiting for it. Why nobody waits: each loop retries, or settles its waiter, for every failure it
   * expects, and the caller already holds the waiter's promise. A rejection that still arrives is a bug in the SDK: it
   * is logged, and the request it belongs to (if still waiting) fails with it instead of waiting forever.
   */
  private inBackground(loop: Promise<void>, what: string, requestId?: string): void {
    loop.catch((error: unknown) => {
      this.logger.error(`${what} failed unexpectedly`, { requestId, error });
      if (requestId !== undefined) this.pending.reject(requestId, error);
    });
  }

  /** Sends the request until the hub acknowledges it; every re-send carries the same requestId, so it is safe. */
  private async submit(waiter: Waiter): Promise<void> {
    const { requestId } = waiter.input;
    let failures = 0;
    while (this.pending.isWaiting(waiter)) {
      if (!(await this.connectedOrStopped())) return;
      if (!this.pending.isWaiting(waiter)) return;
      waiter.sent = true;
      const emitted = this.socket.timeout(this.requestTimeoutMs).emitWithAck(AgentEvent.request, waiter.input);
      waiter.inFlight = emitted.catch(() => undefined);
      let raw: unknown;
      try {
        raw = await emitted;
      } catch {
        // No ack in time, or the connection dropped: loop, wait for a connection and send again.
        this.logger.debug('No ack for approval.request; sending again', { requestId });
        continue;
      } finally {
        waiter.inFlight = null;
      }
      const ack = RecordAck.safeParse(raw);
      if (!ack.success) {
        this.pending.reject(requestId, new HubError('internal', 'The hub sent a malformed acknowledgement', z.flattenError(ack.error)));
        return;
      }
      if (ack.data.ok) return this.accept(waiter, ack.data.data);
      const { error } = ack.data;
      if (!RETRYABLE.has(error.code)) {
        this.pending.reject(requestId, HubError.from(error));
        return;
      }
      this.logger.warn('The hub could not take the request yet; retrying', { requestId, code: error.code });
      await sleep(backoffDelay(failures++, this.backoff), this.lifetime.signal);
    }
  }

  private accept(waiter: Waiter, record: ApprovalRecord): void {
    if (!this.pending.isWaiting(waiter)) return;
    if (record.status === 'pending') waiter.acked = true;
    else this.settleDecided(record);
  }

  private settleDecided(record: ApprovalRecord): void {
    if (record.status === 'cancelled') {
      this.pending.reject(record.requestId, new ApprovalCancelledError(record.requestId));
      return;
    }
    const response = responseOf(record);
    if (response) this.pending.resolve(record.requestId, response);
    else this.pending.reject(record.requestId, new HubError('internal', `The hub reports request ${record.requestId} as ${record.status} without a decision`));
  }

  /** Handles a delivered decision and returns the receipt to ack it with. */
  private receive(payload: unknown): Ack<DeliveryReceipt> {
    const parsed = ApprovalResponse.safeParse(payload);
    if (!parsed.success) return fail('invalid_payload', 'Not a valid approval response', z.flattenError(parsed.error));
    const response = parsed.data;
    if (response.status === 'pending') return fail('invalid_payload', 'An approval response must carry a decision');
    // Other processes may share this token: acking a decision they wait on would stop the hub delivering it to them.
    if (!this.pending.knows(response.requestId)) return fail('not_found', `Nothing here waits on request ${response.requestId}`);
    this.pending.resolve(response.requestId, response);
    return ok({ requestId: response.requestId });
  }

  /** Another process on this token cancelled a request: a call here waiting on it settles at once. */
  private onCancelled(payload: unknown): void {
    const parsed = ApprovalCancelled.safeParse(payload);
    if (!parsed.success) {
      this.logger.warn('Ignored a malformed approval.cancelled notice', { issues: z.flattenError(parsed.error) });
      return;
    }
    const { requestId, reason } = parsed.data;
    if (this.pending.reject(requestId, new ApprovalCancelledError(requestId, reason))) this.logger.info('A waiting request was cancelled on the hub', { requestId });
  }

  /** After a reconnect, asks the hub for the current state of requests it had acknowledged as pending. */
  private async syncAcked(): Promise<void> {
    const acked = this.pending.acked();
    for (let start = 0; start < acked.length; start += SYNC_BATCH_SIZE) {
      const batch = acked.slice(start, start + SYNC_BATCH_SIZE);
      const read = await this.syncRecords(batch.map((w) => w.input.requestId));
      if (!read) return;
      for (const waiter of batch) {
        if (!this.pending.isWaiting(waiter) || !read.asked.has(waiter.input.requestId)) continue;
        const record = read.records.get(waiter.input.requestId);
        if (record && record.status !== 'pending') this.settleDecided(record);
        else if (!record) {
          // The hub no longer knows it (e.g. restored from an older copy): asking again is safe, the request is idempotent.
          waiter.acked = false;
          this.inBackground(this.submit(waiter), 'Sending the request again', waiter.input.requestId);
        }
      }
    }
  }

  /**
   * Reads the records of `ids`, following the hub's continuations (each answer is cut at its page budget). `asked`:
   * the ids the hub has answered for (a missing record among them is unknown to it). Null when the connection failed:
   * the next connect syncs again, and the hub re-delivers undelivered decisions on every connect.
   */
  private async syncRecords(ids: string[]): Promise<{ records: Map<string, ApprovalRecord>; asked: Set<string> } | null> {
    const records = new Map<string, ApprovalRecord>();
    const asked = new Set<string>();
    let left = ids;
    while (left.length > 0) {
      let raw: unknown;
      try {
        raw = await this.socket.timeout(this.requestTimeoutMs).emitWithAck(AgentEvent.sync, { requestIds: left, paged: true });
      } catch {
        return null;
      }
      const page = SyncPageAck.safeParse(raw);
      if (page.success && page.data.ok) {
        for (const record of page.data.data.records) records.set(record.requestId, record);
        const remaining = new Set(page.data.data.remaining);
        for (const id of left) if (!remaining.has(id)) asked.add(id);
        // A hub that read nothing would send us round forever: what it could not answer is left for the next connect.
        if (page.data.data.remaining.length >= left.length) break;
        left = page.data.data.remaining;
        continue;
      }
      // A hub older than paged syncs refuses the field: ask the way it understands (one answer, no continuation).
      const legacy = await this.legacySync(left);
      if (legacy === undefined) break;
      if (legacy === null) return null;
      for (const record of legacy) records.set(record.requestId, record);
      for (const id of left) asked.add(id);
      break;
    }
    return { records, asked };
  }

  /** `approval.sync` without `paged`: the record list (undefined when refused, null when the connection failed). */
  private async legacySync(ids: string[]): Promise<ApprovalRecord[] | null | undefined> {
    let raw: unknown;
    try {
      raw = await this.socket.timeout(this.requestTimeoutMs).emitWithAck(AgentEvent.sync, { requestIds: ids });
    } catch {
      return null;
    }
    const ack = RecordListAck.safeParse(raw);
    if (!ack.success || !ack.data.ok) {
      this.logger.warn('approval.sync failed', { error: ack.success && !ack.data.ok ? ack.data.error : 'malformed ack' });
      return undefined;
    }
    return ack.data.data;
  }

  private async cancelOnHub(waiter: Waiter, reason: string): Promise<void> {
    // Let a request still in flight land first, so the cancel cannot overtake it and leave it pending on the hub.
    await waiter.inFlight;
    if (!waiter.sent) return;
    const requestId = waiter.input.requestId;
    for (let attempt = 0; attempt < CANCEL_ATTEMPTS; attempt++) {
      if (!(await this.connectedOrStopped())) return;
      try {
        const raw = await this.socket.timeout(this.requestTimeoutMs).emitWithAck(AgentEvent.cancel, { requestId, reason });
        const ack = RecordAck.safeParse(raw);
        if (!ack.success || !ack.data.ok) this.logger.warn('approval.cancel was not accepted', { requestId, ack: raw });
        return;
      } catch {
        this.logger.debug('No ack for approval.cancel; sending again', { requestId });
      }
    }
  }

  private onConnect(): void {
    this.refusals = 0;
    this.logger.info('Connected to the hub');
    this.notifyConnectWaiters(true);
    this.listeners.emit('connect');
    this.inBackground(this.syncAcked(), 'Syncing acknowledged requests');
  }

  private onDisconnect(reason: string): void {
    this.logger.info('Disconnected from the hub', { reason });
    this.listeners.emit('disconnect', reason);
    // With several URLs: one reconnect to the same hub first; if that fails (connect_error), the next URL.
    // A hub that ended the session itself ('io server disconnect') is not retried, as with one URL.
    if (this.urls.length > 1 && !this.stopped && reason !== 'io client disconnect' && reason !== 'io server disconnect') {
      this.retryLater(() => this.socket.connect());
    }
  }

  /** Leaves the URL in use for the next one, round-robin. Calls waiting for an ack are re-sent there. */
  private moveToNextUrl(): void {
    const previous = this.socket;
    this.urlIndex = nextUrlIndex(this.urlIndex, this.urls);
    this.socket = this.open(this.urlIndex);
    previous.removeAllListeners();
    previous.disconnect();
    this.logger.info('Trying the next hub URL', { url: this.urls[this.urlIndex] });
  }

  private retryLater(attempt: () => void): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => !this.stopped && attempt(), backoffDelay(this.refusals++, this.backoff));
  }

  private onConnectError(error: Error): void {
    const refusal = ConnectErrorData.safeParse((error as { data?: unknown }).data);
    if (refusal.success && HANDSHAKE_REFUSALS.has(refusal.data.code)) {
      const hubError = new HubError(refusal.data.code, refusal.data.message);
      this.logger.error('The hub refused this agent', { code: hubError.code });
      this.stop(hubError);
      this.listeners.emit('error', hubError);
      return;
    }
    this.logger.warn('Could not connect to the hub', { message: error.message });
    this.listeners.emit('error', error);
    if (this.stopped) return;
    if (this.urls.length > 1) {
      // This hub is down or refusing (e.g. rate_limited): try the next one.
      this.retryLater(() => this.moveToNextUrl());
      return;
    }
    // Socket.IO retries transport errors itself, but not a refusal by the hub's middleware (the socket is then inactive).
    if (!this.socket.active) this.retryLater(() => this.socket.connect());
  }

  private connectedOrStopped(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    if (this.socket.connected) return Promise.resolve(true);
    return new Promise((resolve) => this.connectWaiters.add(resolve));
  }

  private notifyConnectWaiters(connected: boolean): void {
    const waiters = [...this.connectWaiters];
    this.connectWaiters.clear();
    for (const notify of waiters) notify(connected);
  }

  private stop(error: Error): void {
    if (this.stopped) return;
    this.stopped = error;
    clearTimeout(this.reconnectTimer);
    this.lifetime.abort();
    this.socket.disconnect();
    this.notifyConnectWaiters(false);
    this.pending.rejectAll(error);
  }
}

function cancelReasonOf(reason: unknown): string {
  return typeof reason === 'string' && reason.length > 0 ? reason.slice(0, MAX_REASON_LENGTH) : 'Aborted by the agent';
}
