import {
  ApprovalRecord,
  ConnectErrorData,
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
const RESUBSCRIBE_DELAY_MS = 2_000;
const MANUAL_RECONNECT_MAX_MS = 30_000;

export interface DecisionInput {
  readonly reason?: string;
  /** Only with `edit`: the arguments exactly as shown in the editor's diff. */
  readonly args?: JsonObject;
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
}

export function createHubSocket(options: HubSocketOptions): HubSocket {
  const { store } = options;
  const now = options.now ?? Date.now;
  const makeSocket: SocketFactory = options.socketFactory ?? ((url, opts) => io(url, opts));
  const actions = () => store.getState();

  let socket: ReviewerSocket | null = null;
  /** Events that arrive while a `queue.subscribe` is unanswered: applied after its snapshot. */
  let held: QueueEvent[] | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let manualAttempts = 0;
  let invalidEventsReported = false;

  const batcher: EventBatcher<QueueEvent> = createEventBatcher((events) => actions().applyEvents(events), options.scheduler ?? frameScheduler);

  const clearRetry = () => {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  };

  const receive = (type: QueueEvent['type'], raw: unknown) => {
    const parsed = ApprovalRecord.safeParse(raw);
    if (!parsed.success) {
      // Never trust the wire: an event that does not match the contract is dropped, once reported.
      console.warn(`Dropped an invalid ${type} event from the hub`, parsed.error.issues);
      if (!invalidEventsReported) actions().pushNotice('warning', 'The hub sent an event this console does not understand; it was ignored.');
      invalidEventsReported = true;
      return;
    }
    const event: QueueEvent = { type, record: parsed.data };
    if (held) held.push(event);
    else batcher.push(event);
  };

  const subscribe = (s: ReviewerSocket) => {
    clearRetry();
    held = [];
    const sentAt = now();
    s.timeout(SUBSCRIBE_TIMEOUT_MS).emit(ReviewerEvent.subscribe, {}, (err: Error | null, raw: unknown) => {
      if (socket !== s || !s.connected) return;
      const parsed = err ? null : SnapshotAck.safeParse(raw);
      if (!parsed?.success || !parsed.data.ok) {
        const code = parsed?.success && !parsed.data.ok ? parsed.data.error.code : null;
        if (code === 'unauthorized' || code === 'forbidden') {
          refuse({ code, message: parsed?.success && !parsed.data.ok ? parsed.data.error.message : '' });
          return;
        }
        actions().pushNotice('warning', err ? 'The hub did not answer the queue subscription; retrying.' : 'The hub refused the queue subscription; retrying.');
        retryTimer = setTimeout(() => socket === s && s.connected && subscribe(s), RESUBSCRIBE_DELAY_MS);
        return;
      }
      // Older events first, then the snapshot that replaces the queue, then what came after it.
      batcher.flushNow();
      actions().applySnapshot(parsed.data.data, { sentAt, receivedAt: now() });
      const later = held ?? [];
      held = null;
      if (later.length > 0) actions().applyEvents(later);
      manualAttempts = 0;
    });
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
    const s = makeSocket(`${options.origin}${Namespace.reviewer}`, { auth: { token }, reconnectionDelayMax: 10_000 });
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
      if (reason === 'io client disconnect') return;
      actions().setConnection(browserOffline() ? 'offline' : 'reconnecting');
      if (reason === 'io server disconnect') reconnectLater(s);
    });
    s.io.on('reconnect_attempt', () => actions().setConnection(browserOffline() ? 'offline' : 'reconnecting'));
    s.io.on('reconnect_failed', () => actions().setConnection('offline'));
    s.on(ReviewerEvent.request, (raw: unknown) => receive('request', raw));
    s.on(ReviewerEvent.resolved, (raw: unknown) => receive('resolved', raw));
  };

  function stop() {
    clearRetry();
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
    };
    const valid = ReviewerDecision.safeParse(payload);
    if (!valid.success) {
      actions().pushNotice('error', `Not sent: ${valid.error.issues[0]?.message ?? 'the decision is not valid'}.`);
      return;
    }
    if (!s) return;
    const started = actions().startDecision(requestId, kind, kind === 'edit' ? (input.args ?? null) : null);
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
      }
      actions().settleDecision(requestId, outcome);
    });
  };

  return { start, stop, decide };
}

/** `navigator.onLine` is false only when the browser knows it has no network at all. */
function browserOffline(): boolean {
  return typeof navigator !== 'undefined' && navigator.onLine === false;
}
