import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AckCallback,
  type ApprovalRecord,
  type QueuePage,
  type QueueSnapshot,
  type QueueSubscribe,
  type ReviewerClientToServerEvents,
  type ReviewerServerToClientEvents,
  Namespace,
} from '@approval-hub/protocol';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SNAPSHOT_PAGE_SIZE, createHubSocket } from '../src/hub/hubSocket';
import { type ConsoleStore, createConsoleStore } from '../src/store/consoleStore';
import type { ConsoleState } from '../src/store/types';
import { decided, iso, pending } from './fixtures';

type HubSide = ServerSocket<ReviewerClientToServerEvents, ReviewerServerToClientEvents>;

/**
 * What the test's hub does for each `queue.subscribe` / `queue.page`: it may emit live events on the
 * socket before answering, and answers with one page, or an error.
 */
interface PagingScript {
  /** The pending requests as the hub reads them when the page is asked for (call = 0 for `queue.subscribe`). */
  pendingAt(call: number, attempt: number): readonly ApprovalRecord[];
  before?(call: number, attempt: number, socket: HubSide): void;
  fail?(call: number, attempt: number, socket: HubSide): 'internal' | 'disconnect' | null;
}

const sortKey = (r: ApprovalRecord) => `${r.expiresAt}|${r.requestId}`;

/**
 * A real Socket.IO server on port 0 with a `/reviewer` namespace that serves the snapshot in pages by
 * deadline, with a keyset cursor (the last key sent) as the hub does: a page is read when it is asked for.
 */
async function startPagingHub(script: PagingScript) {
  const http = createServer();
  const io = new Server<ReviewerClientToServerEvents, ReviewerServerToClientEvents>(http);
  const received: Array<{ event: 'queue.subscribe' | 'queue.page'; payload: QueueSubscribe | QueuePage; attempt: number }> = [];
  let attempt = -1;
  io.of(Namespace.reviewer).on('connection', (socket: HubSide) => {
    let call = 0;
    const answer = (after: string | null, limit: number, ack: AckCallback<QueueSnapshot>) => {
      const now = call++;
      script.before?.(now, attempt, socket);
      const failure = script.fail?.(now, attempt, socket) ?? null;
      if (failure === 'disconnect') {
        // The transport drops, as when the network does: the client reconnects on its own.
        socket.conn.close();
        return;
      }
      if (failure === 'internal') {
        ack({ ok: false, error: { code: 'internal', message: 'The hub could not do that.' } });
        return;
      }
      const rest = script
        .pendingAt(now, attempt)
        .filter((r) => after === null || sortKey(r) > after)
        .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
      const page = rest.slice(0, limit);
      const last = page.at(-1);
      const nextCursor = rest.length > limit && last ? Buffer.from(sortKey(last)).toString('base64url') : null;
      ack({ ok: true, data: { pending: page, serverTime: iso(Date.now()), queues: null, nextCursor } });
    };
    socket.on('queue.subscribe', (payload, ack) => {
      attempt++;
      received.push({ event: 'queue.subscribe', payload, attempt });
      call = 0;
      answer(null, payload.limit ?? 200, ack);
    });
    socket.on('queue.page', (payload, ack) => {
      received.push({ event: 'queue.page', payload, attempt });
      answer(Buffer.from(payload.cursor, 'base64url').toString(), payload.limit ?? 200, ack);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

/** Resolves when the store first satisfies `predicate` (checked now and on every change). */
function waitForState(store: ConsoleStore, predicate: (state: ConsoleState) => boolean, timeoutMs = 8_000): Promise<ConsoleState> {
  return new Promise((resolve, reject) => {
    if (predicate(store.getState())) return resolve(store.getState());
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`store never got there; connection=${store.getState().connection}, items=${store.getState().items.size}`));
    }, timeoutMs);
    const unsubscribe = store.subscribe((state) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(state);
    });
  });
}

/** `n` pending requests whose deadlines follow their index. */
function records(n: number): ApprovalRecord[] {
  const start = Date.now();
  return Array.from({ length: n }, (_, i) => pending({ createdMs: start + i * 1_000 }));
}

const cursorAfter = (r: ApprovalRecord) => Buffer.from(sortKey(r)).toString('base64url');

describe('paged queue snapshot over a real Socket.IO connection', () => {
  let cleanup: Array<() => Promise<void> | void> = [];
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  async function connectConsole(script: PagingScript) {
    const hub = await startPagingHub(script);
    cleanup.push(hub.close);
    const store = createConsoleStore();
    const internalErrors: number[] = [];
    const socket = createHubSocket({
      store,
      origin: hub.url,
      onRefused: () => {},
      onInternalError: () => internalErrors.push(Date.now()),
      scheduler: (flush) => {
        const timer = setTimeout(flush, 0);
        return () => clearTimeout(timer);
      },
    });
    cleanup.push(() => socket.stop());
    // Every queue the store ever held while syncing: the snapshot must land whole, never a page at a time.
    const sizesSeen: number[] = [];
    cleanup.push(store.subscribe((state, previous) => state.items !== previous.items && sizesSeen.push(state.items.size)));
    store.getState().signIn('token');
    socket.start('token');
    return { hub, store, socket, internalErrors, sizesSeen };
  }

  it('follows nextCursor to the end and applies the pages as one snapshot, with the live events of the meantime', async () => {
    const initial = records(450);
    const resolvedEarly = initial[10]!; // on page 1, decided before page 2 is read
    const resolvedLate = initial[420]!; // on page 3, decided just before page 3 is read (the page still holds it)
    const arrived = pending({ toolName: 'db.drop', createdMs: Date.parse(initial[449]!.expiresAt) }); // new, and on page 3 too
    let live = [...initial];

    const { hub, store, sizesSeen } = await connectConsole({
      pendingAt: (call) => (call === 2 ? [...live, resolvedLate] : live),
      before: (call, _attempt, socket) => {
        if (call === 1) {
          live = live.filter((r) => r !== resolvedEarly);
          socket.emit('approval.resolved', decided(resolvedEarly, 'approved'));
          live = [...live, arrived];
          socket.emit('approval.request', arrived);
        }
        if (call === 2) {
          live = live.filter((r) => r !== resolvedLate);
          socket.emit('approval.resolved', decided(resolvedLate, 'denied'));
        }
      },
    });

    const state = await waitForState(store, (s) => s.connection === 'connected');
    const expected = [...initial.filter((r) => r !== resolvedEarly && r !== resolvedLate), arrived].map((r) => r.requestId).sort();
    expect([...state.items.keys()].sort()).toEqual(expected);
    expect(state.visibleIds).toHaveLength(449);
    // One subscription, then pages with the hub's cursors and our page size.
    expect(hub.received.map((r) => [r.event, r.payload])).toEqual([
      ['queue.subscribe', { limit: SNAPSHOT_PAGE_SIZE }],
      ['queue.page', { cursor: cursorAfter(initial[199]!), limit: SNAPSHOT_PAGE_SIZE }],
      ['queue.page', { cursor: cursorAfter(initial[399]!), limit: SNAPSHOT_PAGE_SIZE }],
    ]);
    // Never a partial queue on screen: the first change is the whole snapshot with the held events applied.
    expect(sizesSeen[0]).toBe(449);

    // The decided ones stay decided, even if a late duplicate of their request event turns up.
    const stillThere = store.getState();
    store.getState().applyEvents([{ type: 'request', record: resolvedEarly }, { type: 'request', record: resolvedLate }]);
    expect(store.getState().items).toBe(stillThere.items);
  });

  it('an error ack mid-way reports the hub, and starts over from queue.subscribe', async () => {
    const all = records(230);
    const { hub, store, internalErrors, sizesSeen } = await connectConsole({
      pendingAt: () => all,
      fail: (call, attempt) => (attempt === 0 && call === 1 ? 'internal' : null),
    });

    const state = await waitForState(store, (s) => s.connection === 'connected');
    expect(state.items.size).toBe(230);
    expect(internalErrors).toHaveLength(1);
    expect(state.notices.map((n) => n.text)).toContain('The hub refused the queue subscription; retrying.');
    expect(hub.received.map((r) => `${r.attempt}:${r.event}`)).toEqual(['0:queue.subscribe', '0:queue.page', '1:queue.subscribe', '1:queue.page']);
    expect(sizesSeen.filter((n) => n > 0)).toEqual([230]);
  });

  it('a disconnect mid-way drops the half-read snapshot and the next connection starts from the beginning', async () => {
    let all = records(420);
    const gone = all[5]!;
    const { hub, store, sizesSeen } = await connectConsole({
      pendingAt: () => all,
      fail: (call, attempt) => {
        if (attempt !== 0 || call !== 2) return null;
        // While the console is away, a request it already read on page 1 is decided elsewhere.
        all = all.filter((r) => r !== gone);
        return 'disconnect';
      },
    });

    const state = await waitForState(store, (s) => s.connection === 'connected');
    expect(state.items.size).toBe(419);
    expect(state.items.has(gone.requestId)).toBe(false);
    const events = hub.received.map((r) => `${r.attempt}:${r.event}`);
    expect(events.slice(0, 3)).toEqual(['0:queue.subscribe', '0:queue.page', '0:queue.page']);
    expect(events.slice(3)).toEqual(['1:queue.subscribe', '1:queue.page', '1:queue.page']);
    expect(sizesSeen.filter((n) => n > 0)).toEqual([419]);
  });
});
