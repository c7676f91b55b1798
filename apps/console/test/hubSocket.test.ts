import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createEventBatcher } from '../src/hub/eventBatcher';
import { type HubSocketOptions, type ReviewerSocket, createHubSocket } from '../src/hub/hubSocket';
import { createConsoleStore } from '../src/store/consoleStore';
import type { SignInProblem } from '../src/store/sessionSlice';
import { T0, decided, iso, pending, snapshot } from './fixtures';

type Handler = (...args: unknown[]) => void;

/** Just enough of a Socket.IO client socket to drive the hub socket module by hand. */
class FakeSocket {
  handlers = new Map<string, Handler[]>();
  managerHandlers = new Map<string, Handler[]>();
  emitted: Array<{ event: string; payload: unknown; ack: Handler }> = [];
  connected = false;
  active = true;
  io = {
    on: (event: string, handler: Handler) => this.managerHandlers.set(event, [...(this.managerHandlers.get(event) ?? []), handler]),
    removeAllListeners: () => this.managerHandlers.clear(),
  };
  constructor(
    readonly url: string,
    readonly options: unknown,
  ) {}
  on(event: string, handler: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }
  timeout() {
    return { emit: (event: string, payload: unknown, ack: Handler) => this.emitted.push({ event, payload, ack }) };
  }
  removeAllListeners() {
    this.handlers.clear();
  }
  disconnect() {
    this.connected = false;
  }
  connect() {}
  fire(event: string, ...args: unknown[]) {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') this.connected = false;
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }
  lastEmit(event: string) {
    return this.emitted.filter((e) => e.event === event).at(-1);
  }
}

const DIGEST_A = 'A'.repeat(43);
const DIGEST_B = 'B'.repeat(43);

function setup(extra: Partial<Pick<HubSocketOptions, 'onProposalChanged'>> = {}) {
  const store = createConsoleStore({ now: () => T0 });
  const sockets: FakeSocket[] = [];
  const refusals: SignInProblem[] = [];
  let internalErrors = 0;
  let flushes: Array<() => void> = [];
  const hub = createHubSocket({
    store,
    origin: 'http://hub.test',
    onRefused: (problem) => refusals.push(problem),
    onInternalError: () => internalErrors++,
    ...extra,
    socketFactory: (url, options) => {
      const socket = new FakeSocket(url, options);
      sockets.push(socket);
      return socket as unknown as ReviewerSocket;
    },
    scheduler: (flush) => {
      flushes.push(flush);
      return () => {
        flushes = flushes.filter((f) => f !== flush);
      };
    },
    now: () => T0,
  });
  store.getState().signIn('secret');
  hub.start('secret');
  const socket = sockets[0]!;
  const frame = () => {
    const run = flushes;
    flushes = [];
    for (const f of run) f();
  };
  return { store, hub, socket, sockets, refusals, frame, s: () => store.getState(), internalErrors: () => internalErrors };
}

describe('hub socket', () => {
  beforeEach(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
  });

  it('connects to /reviewer with the token and subscribes on connect', () => {
    const { socket, s } = setup();
    expect(socket.url).toBe('http://hub.test/reviewer');
    expect(socket.options).toMatchObject({ auth: { token: 'secret' } });
    expect(s().connection).toBe('connecting');
    socket.fire('connect');
    expect(socket.lastEmit('queue.subscribe')?.payload).toEqual({ limit: 200 });
    expect(s().connection).toBe('connecting'); // not "connected" until the snapshot is in
  });

  it('applies the snapshot, then the events that arrived while waiting for it', () => {
    const { socket, s } = setup();
    socket.fire('connect');
    const a = pending();
    const b = pending();
    socket.fire('approval.request', b);
    socket.fire('approval.resolved', decided(a, 'approved'));
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    expect(s().connection).toBe('connected');
    expect([...s().items.keys()]).toEqual([b.requestId]);
  });

  it('batches pushed events per frame and drops events that break the contract', () => {
    const { socket, s, frame } = setup();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([]) });
    socket.fire('approval.request', pending());
    socket.fire('approval.request', pending());
    socket.fire('approval.request', { requestId: 'x', toolName: '<script>' });
    expect(s().items.size).toBe(0);
    frame();
    expect(s().items.size).toBe(2);
    expect(s().arrivals?.count).toBe(2);
    expect(s().notices.at(-1)?.text).toMatch(/does not understand/);
  });

  it('re-subscribes after a reconnect and replaces the queue with the new snapshot', () => {
    const { socket, s } = setup();
    const a = pending();
    const b = pending();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    socket.fire('disconnect', 'transport close');
    expect(s().connection).toBe('reconnecting');
    socket.fire('connect');
    expect(socket.emitted.filter((e) => e.event === 'queue.subscribe')).toHaveLength(2);
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([b]) });
    expect([...s().items.keys()]).toEqual([b.requestId]);
    expect(s().connection).toBe('connected');
  });

  it.each(['unauthorized', 'forbidden'] as const)('a refused handshake (%s) stops the socket and reports why', (code) => {
    const { socket, refusals, s } = setup();
    socket.active = false;
    socket.fire('connect_error', Object.assign(new Error('refused'), { data: { code, message: `nope: ${code}` } }));
    expect(refusals).toEqual([{ code, message: `nope: ${code}` }]);
    expect(s().connection).toBe('idle');
  });

  it('a network failure at connect is "reconnecting", not a refusal', () => {
    const { socket, refusals, s } = setup();
    socket.fire('connect_error', new Error('xhr poll error'));
    expect(refusals).toEqual([]);
    expect(s().connection).toBe('reconnecting');
  });

  it('sends a decision once, with the reason and the edited args exactly as given, and settles on the ack', () => {
    const { socket, s, hub } = setup();
    const a = pending();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    const edited = { command: 'echo safe' };
    hub.decide(a.requestId, 'edit', { reason: '  safer  ', args: edited });
    hub.decide(a.requestId, 'edit', { args: edited });
    const sent = socket.emitted.filter((e) => e.event === 'approval.response');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.payload).toEqual({ requestId: a.requestId, approved: true, reason: 'safer', args: edited });
    expect((sent[0]!.payload as { args: unknown }).args).toBe(edited);
    expect(s().decisions[a.requestId]?.phase).toBe('sending');
    sent[0]!.ack(null, { ok: true, data: decided(a, 'approved', { kind: 'reviewer', id: 'rev-1', name: 'A' }, { args: edited }) });
    expect(s().items.size).toBe(0);
  });

  it('a deny never carries args; an ack timeout settles as "no answer"', () => {
    const { socket, s, hub } = setup();
    const a = pending();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    hub.decide(a.requestId, 'deny', { args: { x: 1 } });
    const sent = socket.lastEmit('approval.response')!;
    expect(sent.payload).toEqual({ requestId: a.requestId, approved: false });
    sent.ack(new Error('operation has timed out'));
    expect(s().decisions[a.requestId]?.phase).toBe('failed');
  });

  it('an `internal` decision ack asks for a health check and leaves the decision retryable', () => {
    const { socket, s, hub, internalErrors } = setup();
    const a = pending();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    hub.decide(a.requestId, 'approve', {});
    socket.lastEmit('approval.response')!.ack(null, { ok: false, error: { code: 'rate_limited', message: 'slow down' } });
    expect(internalErrors()).toBe(0);
    hub.decide(a.requestId, 'approve', {});
    socket.lastEmit('approval.response')!.ack(null, { ok: false, error: { code: 'internal', message: 'The hub could not do that.' } });
    expect(internalErrors()).toBe(1);
    expect(s().decisions[a.requestId]?.phase).toBe('failed');
    expect(s().items.has(a.requestId)).toBe(true);
  });

  it('an approval names what it approves (argsDigest); a deny does not; a grant travels in the same call', () => {
    const { socket, hub } = setup();
    const a = pending({ argsDigest: DIGEST_A });
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    hub.decide(a.requestId, 'grant', { argsDigest: DIGEST_A, grant: { ttlMs: 60_000 }, scope: 'Allow “shell.exec”' });
    expect(socket.lastEmit('approval.response')!.payload).toEqual({ requestId: a.requestId, approved: true, argsDigest: DIGEST_A, grant: { ttlMs: 60_000 } });
    socket.lastEmit('approval.response')!.ack(null, { ok: false, error: { code: 'rate_limited', message: 'slow down' } });
    hub.decide(a.requestId, 'deny', { argsDigest: DIGEST_A, grant: { ttlMs: 60_000 } });
    expect(socket.lastEmit('approval.response')!.payload).toEqual({ requestId: a.requestId, approved: false });
  });

  it('proposal_changed: nothing leaves, the record shows the current proposal, and the request is read again', () => {
    const changed: string[] = [];
    const { socket, s, hub } = setup({ onProposalChanged: (id) => changed.push(id) });
    const a = pending({ argsDigest: DIGEST_A, quorum: { rule: 'two', required: 2, approvals: [] } });
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    hub.decide(a.requestId, 'approve', { argsDigest: DIGEST_A });
    const proposal = { args: { command: 'rm -rf /' }, argsDigest: DIGEST_B, proposedBy: { id: 'rev-2', name: 'Bob' }, proposedAt: iso(T0) };
    socket.lastEmit('approval.response')!.ack(null, { ok: false, error: { code: 'proposal_changed', message: 'changed', details: { proposal, argsDigest: DIGEST_B } } });
    expect(s().items.get(a.requestId)?.record.proposal).toEqual(proposal);
    expect(s().decisions[a.requestId]).toMatchObject({ phase: 'failed' });
    expect(s().notices.at(-1)).toMatchObject({ tone: 'error', text: expect.stringContaining('Bob proposed other arguments') });
    expect(s().notices.at(-1)?.text).toContain('nothing was approved');
    expect(changed).toEqual([a.requestId]);
  });

  it('refuses to send while not connected', () => {
    const { socket, hub, s } = setup();
    const a = pending();
    socket.fire('connect');
    socket.lastEmit('queue.subscribe')!.ack(null, { ok: true, data: snapshot([a]) });
    socket.fire('disconnect', 'transport close');
    hub.decide(a.requestId, 'approve', {});
    expect(socket.lastEmit('approval.response')).toBeUndefined();
    expect(s().notices.at(-1)?.text).toMatch(/Not connected/);
  });
});

describe('event batcher', () => {
  it('delivers everything pushed before a frame in one batch', () => {
    const batches: number[][] = [];
    let pendingFlush: (() => void) | null = null;
    const batcher = createEventBatcher<number>((items) => batches.push(items), (flush) => {
      pendingFlush = flush;
      return () => {
        pendingFlush = null;
      };
    });
    for (let i = 0; i < 5; i++) batcher.push(i);
    expect(batches).toEqual([]);
    (pendingFlush as (() => void) | null)?.();
    batcher.push(5);
    batcher.flushNow();
    batcher.push(6);
    batcher.clear();
    expect(batches).toEqual([[0, 1, 2, 3, 4], [5]]);
  });
});
