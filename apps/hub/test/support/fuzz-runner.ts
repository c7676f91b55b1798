import type { Ack } from '@approval-hub/protocol';
import type { Socket } from 'socket.io-client';
import { restCases, socketCases, type RestCase, type SocketCase } from './fuzz-payloads.js';
import { RawSocketIo } from './raw-socket.js';
import type { Random } from './seeded-random.js';
import { connected, tokens, type TestHub } from './test-hub.js';

export interface FuzzReport {
  /** Socket.IO events sent with an ack function; each must be answered `invalid_payload`. */
  socketAnswered: number;
  /** Sent without an ack function (nothing to answer; the hub must refuse silently). */
  socketSilent: number;
  /** Hand-written frames from the raw client: answered `invalid_payload`, or the connection closed by the hub. */
  raw: number;
  rawClosed: number;
  rest: number;
  failures: string[];
  durationMs: number;
}

const WINDOW = 64;

async function inWindows<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

const show = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
};

/** Frames only a hostile client can send; `closes` marks those the hub may answer by closing the connection. */
function rawFrames(): { label: string; nsp: '/agent' | '/reviewer'; args: string | Buffer; closes: boolean }[] {
  const request = (extra: string) => `["approval.request",{"requestId":"raw-1","toolName":"t","runId":"r","args":{}${extra}}]`;
  return [
    { label: 'a number JSON cannot hold in args', nsp: '/agent', args: '["approval.request",{"requestId":"raw-2","toolName":"t","runId":"r","args":{"n":1e400}}]', closes: false },
    { label: 'a negative one in args', nsp: '/agent', args: '["approval.request",{"requestId":"raw-3","toolName":"t","runId":"r","args":{"n":-1e400}}]', closes: false },
    { label: 'timeoutMs 1e400', nsp: '/agent', args: request(',"timeoutMs":1e400'), closes: false },
    { label: 'own __proto__ key at the top', nsp: '/agent', args: request(',"__proto__":{"polluted":"yes"}'), closes: false },
    { label: '__proto__ in args', nsp: '/agent', args: '["approval.request",{"requestId":"raw-4","toolName":"t","runId":"r","args":{"__proto__":{"polluted":"yes"}}}]', closes: false },
    { label: 'constructor.prototype in args', nsp: '/agent', args: '["approval.request",{"requestId":"raw-5","toolName":"t","runId":"r","args":{"constructor":{"prototype":{"polluted":"yes"}}}}]', closes: false },
    { label: 'args nested 6,000 levels deep', nsp: '/agent', args: `["approval.request",{"requestId":"raw-9","toolName":"t","runId":"r","args":{"a":${'['.repeat(6000)}${']'.repeat(6000)}}}]`, closes: false },
    { label: 'a payload nested 6,000 levels deep', nsp: '/reviewer', args: `["queue.subscribe",${'['.repeat(6000)}${']'.repeat(6000)}]`, closes: false },
    { label: 'a numeric event name', nsp: '/agent', args: '[123,{"requestId":"raw-6"}]', closes: false },
    { label: 'a numeric event name on /reviewer', nsp: '/reviewer', args: '[7,{}]', closes: false },
    { label: 'the reserved event "error"', nsp: '/agent', args: '["error",{"message":"boom"}]', closes: true },
    { label: 'the reserved event "disconnect"', nsp: '/agent', args: '["disconnect","server namespace disconnect"]', closes: true },
    { label: 'the reserved event "disconnecting"', nsp: '/reviewer', args: '["disconnecting",{}]', closes: true },
    { label: 'the reserved event "newListener"', nsp: '/agent', args: '["newListener","approval.request"]', closes: true },
    { label: 'the reserved event "removeListener"', nsp: '/reviewer', args: '["removeListener","approval.response"]', closes: true },
    { label: 'the reserved event "connect"', nsp: '/agent', args: '["connect",{}]', closes: true },
    { label: 'an event name that is an object', nsp: '/agent', args: '[{"x":1},{}]', closes: true },
    { label: 'an empty array', nsp: '/agent', args: '[]', closes: true },
    { label: 'not an array', nsp: '/agent', args: '{"event":"approval.request"}', closes: true },
    { label: 'malformed JSON', nsp: '/agent', args: '["approval.request",{', closes: true },
    { label: 'invalid UTF-8 in a string', nsp: '/agent', args: Buffer.concat([Buffer.from('["approval.request",{"requestId":"raw-7","toolName":"t","runId":"r","args":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}]')]), closes: true },
    { label: 'an overlong UTF-8 encoding', nsp: '/agent', args: Buffer.concat([Buffer.from('["approval.request",{"requestId":"raw-8","toolName":"t","runId":"r","args":{"s":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}}]')]), closes: true },
    { label: 'a UTF-8 encoded surrogate', nsp: '/reviewer', args: Buffer.concat([Buffer.from('["approval.get",{"requestId":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]')]), closes: true },
  ];
}

/** Sends every case; returns what did not get the answer the hub promises. */
export async function runFuzz(t: TestHub, rng: Random, counts: { socketExtra: number; restExtra: number }): Promise<FuzzReport> {
  const started = Date.now();
  const failures: string[] = [];
  const cases = socketCases(rng, counts.socketExtra);
  const agent = t.connectAgent();
  const reviewer = t.connectReviewer();
  await Promise.all([connected(agent), connected(reviewer)]);
  let disconnects = 0;
  for (const socket of [agent, reviewer]) socket.on('disconnect', () => disconnects++);

  let socketAnswered = 0;
  let socketSilent = 0;
  await inWindows(cases, WINDOW, async (c: SocketCase) => {
    // Untyped on purpose: the events and payloads are the ones the contract does not allow.
    const socket: Socket = c.nsp === '/agent' ? agent : reviewer;
    if (!c.withAck) {
      socket.emit(c.event, ...c.args);
      socketSilent++;
      return;
    }
    let answer: unknown;
    try {
      answer = await socket.timeout(10_000).emitWithAck(c.event, ...c.args);
    } catch (error) {
      answer = `no answer (${(error as Error).message})`;
    }
    socketAnswered++;
    const ack = answer as Ack<unknown>;
    if (typeof ack !== 'object' || ack === null || ack.ok !== false || ack.error.code !== 'invalid_payload') failures.push(`${c.nsp} ${c.label} -> ${show(answer)}`);
  });
  if (disconnects > 0) failures.push(`the hub dropped a well-formed Socket.IO connection ${disconnects} time(s)`);

  // Raw frames: one connection per frame that may close it.
  let raw = 0;
  let rawClosed = 0;
  const shared = await RawSocketIo.open(t.port);
  await shared.join('/agent', { token: tokens.agent });
  await shared.join('/reviewer', { token: tokens.reviewer });
  for (const frame of rawFrames()) {
    const client = frame.closes ? await RawSocketIo.open(t.port) : shared;
    if (frame.closes) await client.join(frame.nsp, { token: frame.nsp === '/agent' ? tokens.agent : tokens.reviewer });
    const answer = await client.emitRaw(frame.nsp, frame.args, 2000);
    raw++;
    const invalid = Array.isArray(answer) && (answer[0] as Ack<unknown>)?.ok === false && (answer[0] as { error: { code: string } }).error.code === 'invalid_payload';
    if (answer === 'closed') rawClosed++;
    // A frame the hub cannot even parse is answered by closing the connection; anything else must be `invalid_payload`.
    const acceptable = invalid || (frame.closes && (answer === 'closed' || answer === 'timeout'));
    if (!acceptable) failures.push(`raw ${frame.nsp} ${frame.label} -> ${show(answer)}`);
    if (frame.closes) client.close();
  }
  if (shared.isClosed) failures.push('a frame the hub should answer closed the connection instead');
  shared.close();

  const rest = restCases(cases, rng, counts.restExtra);
  const tokenOf = (c: RestCase) => (c.token === 'agent' ? tokens.agent : tokens.reviewer);
  await inWindows(rest, 16, async (c) => {
    let status: number;
    let body: unknown;
    try {
      const res = await fetch(`${t.url}${c.path}`, {
        method: c.method,
        headers: { authorization: `Bearer ${tokenOf(c)}`, ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      status = res.status;
      const text = await res.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } catch (error) {
      failures.push(`${c.label} -> request failed: ${(error as Error).message}`);
      return;
    }
    if (status !== 400 || (body as { error?: { code?: string } })?.error?.code !== 'invalid_payload') failures.push(`${c.label} -> ${status} ${show(body)}`);
  });

  agent.disconnect();
  reviewer.disconnect();
  return { socketAnswered, socketSilent, raw, rawClosed, rest: rest.length, failures, durationMs: Date.now() - started };
}
