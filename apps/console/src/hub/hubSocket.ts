import {
  ApprovalMoved,
  ApprovalRecord,
  ConnectErrorData,
  DEFAULT_SNAPSHOT_PAGE,
  Grant,
  type GrantInput,
  type JsonObject,
  Namespace,
  QueueSnapshot,
  ReviewerDecision,
  ReviewerEvent,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
  ackSchema,
} from '@approval-hub/protocol';
import { type ManagerOptions, type Socket, type SocketOptions, io } from 'socket.io-client';
import type { QueueEvent } from '../domain/queueState';
import type { ConsoleStore } from '../store/consoleStore';
import { DECISION_ACK_TIMEOUT_MS, type DecisionKind, type DecisionOutcome } from '../store/decisionSlice';
import type { SignInProblem } from '../store/sessionSlice';
import { type EventBatcher, type FlushScheduler, createEventBatcher, frameScheduler } from './eventBatcher';

export type ReviewerSocket = Socket<ReviewerServerToClientEvents, ReviewerClientToServerEvents>;
export type SocketFactory = (url: string, options: Partial<ManagerOptions & SocketOptions>) => ReviewerSocket;

const SnapshotAck = ackSchema(QueueSnapshot);
const DecisionAck = ackSchema(ApprovalRecord);

const SUBSCRIBE_TIMEOUT_MS = 10_000;
/** Records per `queue.subscribe` / `queue.page` answer (the hub caps a page at MAX_SNAPSHOT_PAGE). */
export const SNAPSHOT_PAGE_SIZE = DEFAULT_SNAPSHOT_PAGE;
/** 200 × 5,000 = a million pending requests: past that, the hub is looping, not paging. */
const MAX_SNAPSHOT_PAGES = 5_000;
const RESUBSCRIBE_DELAY_MS = 2_000;
const MANUAL_RECONNECT_MAX_MS = 30_000;

export interface DecisionInput {
  readonly reason?: string;
  /** Only with `edit`: the arguments exactly as shown in the editor's diff. */
  readonly args?: JsonObject;
  /** `grant` only: the standing grant made with this approval, in the same call (both or neither). */
  readonly grant?: GrantInput;
  /** `grant` only: what the grant covers, in words, for the notice that reports it. */
  readonly scope?: string;
  /** Approvals: `digestToApprove` of the record as the reviewer was shown it (what they approve, or edit from). */
  readonly argsDigest?: string;
}

/** The `/reviewer` socket. It lives outside React and writes into the store through its actions. */
export interface HubSocket {
  start(token: string): void;
  stop(): void;
  decide(requestId: string, kind: DecisionKind, input: DecisionInput): void;
}

export interface HubSocketOptions {
  readonly store: ConsoleStore;
  /** '' or the page's origin in the browser. */
  readonly origin: string;
  /** The hub refused the token at the handshake. */
  readonly onRefused: (problem: SignInProblem) => void;
  readonly socketFactory?: SocketFactory;
  readonly scheduler?: FlushScheduler;
  readonly now?: () => number;
  /** The hub answered `internal` (it may be unable to write): re-check its health now. */
  readonly onInternalError?: () => void;
  /** The hub refused an approval with `proposal_changed`: read the request again. */
  readonly onProposalChanged?: (requestId: string) => void;
}

export function createHubSocket(options: HubSocketOptions): HubSocket {
  const { store } = options;
  const now = options.now ?? Date.now;
  const makeSocket: SocketFactory = options.socketFactory ?? ((url, opts) => io(url, opts));
  const actions = () => store.getState();

  let socket: ReviewerSocket | null = null;
  /** Events that arrive while a `queue.subscribe` is unanswered: applied after its snapshot. */
  let held: QueueEvent[] | null = null;
  /** Bumped by every `queue.subscribe`: answers to an older attempt's pages are ignored. */
  let subscribeAttempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let manualAttempts = 0;
  let invalidEventsReported = false;

  const batcher: EventBatcher<QueueEvent> = createEventBatcher((events) => actions().applyEvents(events), options.scheduler ?? frameScheduler);

  const clearRetry = () => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  };

  const dropInvalid = (type: string, issues: unknown) => {
    // Never trust the wire: an event that does not match the contract is dropped, once reported.
    console.warn(`Dropped an invalid ${type} event from the hub`, issues);
    if (!invalidEventsReported) actions().pushNotice('warning', 'The hub sent an event this console does not understand; it was ignored.');
    invalidEventsReported = true;
  };

  const enqueue = (event: QueueEvent) => {
    if (held) held.push(event);
    else batcher.push(event);
  };

  const receive = (type: 'request' | 'resolved' | 'updated', raw: unknown) => {
    const parsed = ApprovalRecord.safeParse(raw);
    if (!parsed.success) return dropInvalid(type, parsed.error.issues);
    enqueue({ type, record: parsed.data });
  };

  /** An escalation: with the record we may see it in its new queue; without, it left our queues. */
  const receiveMoved = (raw: unknown) => {
    const parsed = ApprovalMoved.safeParse(raw);
    if (!parsed.success) return dropInvalid('moved', parsed.error.issues);
    const { record, requestId } = parsed.data;
    enqueue(record ? { type: 'updated', record } : { type: 'left', requestId });
  };

  /**
   * `queue.subscribe`, then `queue.page` until `nextCursor` is null; the pages are applied at once as one
   * snapshot. Live events are held from the subscription on and applied after it, so a request resolved
   * while paging leaves again (and is remembered as decided) even if a page read before that still held it.
   * Any failure (error ack, no answer, disconnect) starts over from `queue.subscribe`.
   */
  const subscribe = (s: ReviewerSocket) => {
    clearRetry();
    held = [];
    const attempt = ++subscribeAttempt;
    const sentAt = now();
    const stale = () => socket !== s || !s.connected || attempt !== subscribeAttempt;
    let first: { snapshot: QueueSnapshot; receivedAt: number } | null = null;
    const pending: ApprovalRecord[] = [];
    let pages = 0;

    const onPage = (err: Error | null, raw: unknown, cursorSent: string | null) => {
      if (stale()) return;
      const parsed = err ? null : SnapshotAck.safeParse(raw);
      if (!parsed?.success || !parsed.data.ok) {
        const error = parsed?.success && !parsed.data.ok ? parsed.data.error : null;
        if (error?.code === 'unauthorized' || error?.code === 'forbidden') {
          refuse({ code: error.code, message: error.message });
          return;
        }
        if (error?.code === 'internal') options.onInternalError?.();
        retry(s, err ? 'The hub did not answer the queue subscription; retrying.' : 'The hub refused the queue subscription; retrying.');
        return;
      }
      const page = parsed.data.data;
      first ??= { snapshot: page, receivedAt: now() };
      pending.push(...page.pending);
      pages++;
      if (page.nextCursor !== null) {
        // A hub that hands back the cursor it was given (or never ends) would page forever.
        if (page.nextCursor === cursorSent || pages >= MAX_SNAPSHOT_PAGES) {
          retry(s, 'The hub sent a queue snapshot that does not end; retrying.');
          return;
        }
        const cursor = page.nextCursor;
        s.timeout(SUBSCRIBE_TIMEOUT_MS).emit(ReviewerEvent.page, { cursor, limit: SNAPSHOT_PAGE_SIZE }, (e: Error | null, r: unknown) => onPage(e, r, cursor));
        return;
      }
      // Older events first, then the snapshot that replaces the queue, then what came after it.
      batcher.flushNow();
      // The clock offset comes from the first page: its round trip is the one measured.
      const later = held ?? [];
      held = null;
      actions().applySnapshot({ ...first.snapshot, pending, nextCursor: null }, { sentAt, receivedAt: first.receivedAt }, later);
      manualAttempts = 0;
    };

    s.timeout(SUBSCRIBE_TIMEOUT_MS).emit(ReviewerEvent.subscribe, { limit: SNAPSHOT_PAGE_SIZE }, (err: Error | null, raw: unknown) => onPage(err, raw, null));
  };

  const retry = (s: ReviewerSocket, text: string) => {
    actions().pushNotice('warning', text);
    retryTimer = setTimeout(() => socket === s && s.connected && subscribe(s), RESUBSCRIBE_DELAY_MS);
  };

  const refuse = (problem: SignInProblem) => {
    stop();
    options.onRefused(problem);
  };

  /** After the hub itself disconnects us (e.g. it restarts), Socket.IO does not retry: we do, with backoff. */
  const reconnectLater = (s: ReviewerSocket) => {
    clearRetry();
    const delay = Math.min(MANUAL_RECONNECT_MAX_MS, 1000 * 2 ** manualAttempts++);
    retryTimer = setTimeout(() => socket === s && !s.connected && s.connect(), delay);
  };

  const start = (token: string) => {
    stop();
    const s = makeSocket(`${options.origin}${Namespace.reviewer}`, {
      auth: { token },
      reconnectionDelayMax: 10_000,
      // WebSocket first, so no sticky sessions are needed behind a load balancer; HTTP long-polling (which does
      // need session affinity) only where the WebSocket cannot be opened (a proxy that blocks upgrades).
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
    });
    socket = s;
    actions().setConnection('connecting');

    s.on('connect', () => subscribe(s));
    s.on('connect_error', (error: Error & { data?: unknown }) => {
      const data = ConnectErrorData.safeParse(error.data);
      if (data.success && (data.data.code === 'unauthorized' || data.data.code === 'forbidden')) {
        refuse({ code: data.data.code, message: data.data.message });
        return;
      }
      actions().setConnection(browserOffline() ? 'offline' : 'reconnecting');
      if (!s.active) reconnectLater(s);
    });
    s.on('disconnect', (reason) => {
      held = null;
      subscribeAttempt++;
      if (reason === 'io client disconnect') return;
      actions().setConnection(browserOffline() ? 'offline' : 'reconnecting');
      if (reason === 'io server disconnect') reconnectLater(s);
    });
    s.io.on('reconnect_attempt', () => actions().setConnection(browserOffline() ? 'offline' : 'reconnecting'));
    s.io.on('reconnect_failed', () => actions().setConnection('offline'));
    s.on(ReviewerEvent.request, (raw: unknown) => receive('request', raw));
    s.on(ReviewerEvent.resolved, (raw: unknown) => receive('resolved', raw));
    s.on(ReviewerEvent.updated, (raw: unknown) => receive('updated', raw));
    s.on(ReviewerEvent.moved, (raw: unknown) => receiveMoved(raw));
    for (const event of [ReviewerEvent.grantCreated, ReviewerEvent.grantUsed, ReviewerEvent.grantRevoked]) {
      s.on(event, (raw: unknown) => {
        const grant = Grant.safeParse(raw);
        if (grant.success) actions().applyGrant(grant.data);
        else dropInvalid(event, grant.error.issues);
      });
    }
  };

  function stop() {
    clearRetry();
    subscribeAttempt++;
    batcher.clear();
    held = null;
    const s = socket;
    socket = null;
    if (s) {
      s.removeAllListeners();
      s.io.removeAllListeners();
      s.disconnect();
    }
    actions().setConnection('idle');
  }

  const decide = (requestId: string, kind: DecisionKind, input: DecisionInput) => {
    const s = socket;
    const reason = input.reason?.trim();
    const payload = {
      requestId,
      approved: kind !== 'deny',
      ...(reason ? { reason } : {}),
      ...(kind === 'edit' && input.args ? { args: input.args } : {}),
      ...(kind === 'grant' && input.grant ? { grant: input.grant } : {}),
      ...(kind !== 'deny' && input.argsDigest !== undefined ? { argsDigest: input.argsDigest } : {}),
    };
    const valid = ReviewerDecision.safeParse(payload);
    if (!valid.success) {
      actions().pushNotice('error', `Not sent: ${valid.error.issues[0]?.message ?? 'the decision is not valid'}.`);
      return;
    }
    if (!s) return;
    const started = actions().startDecision(requestId, kind, kind === 'edit' ? (input.args ?? null) : null, kind === 'grant' ? input.scope : undefined);
    if (!started.ok) {
      actions().pushNotice('warning', started.reason);
      return;
    }
    s.timeout(DECISION_ACK_TIMEOUT_MS).emit(ReviewerEvent.respond, payload, (err: Error | null, raw: unknown) => {
      let outcome: DecisionOutcome;
      if (err) outcome = { type: 'no_answer' };
      else {
        const parsed = DecisionAck.safeParse(raw);
        outcome = parsed.success
          ? { type: 'ack', ack: parsed.data }
          : { type: 'ack', ack: { ok: false, error: { code: 'internal', message: 'The hub answered with something this console does not understand.' } } };
        if (parsed.success && !parsed.data.ok && parsed.data.error.code === 'internal') options.onInternalError?.();
      }
      actions().settleDecision(requestId, outcome);
      if (outcome.type === 'ack' && !outcome.ack.ok && outcome.ack.error.code === 'proposal_changed') options.onProposalChanged?.(requestId);
    });
  };

  return { start, stop, decide };
}

/** `navigator.onLine` is false only when the browser knows it has no network at all. */
function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}
