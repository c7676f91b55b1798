import type { Random } from './seeded-random.js';

/**
 * Malformed payloads, every one invalid by construction (a required field missing, a field of the wrong type or
 * content, an unknown key, a payload that is not an object, too many arguments). Operators never repair each
 * other, so a combination of them stays invalid; the hub must answer each with `invalid_payload`.
 */

export interface SocketCase {
  nsp: '/agent' | '/reviewer';
  event: string;
  /** The arguments before the ack. */
  args: unknown[];
  /** False: sent without an ack function (the hub can only refuse it silently). */
  withAck: boolean;
  /** Holds binary (Buffers, typed arrays), so it has no REST twin. */
  binary: boolean;
  label: string;
}

export interface RestCase {
  method: 'GET' | 'POST';
  path: string;
  token: 'agent' | 'reviewer';
  body?: string | Buffer;
  label: string;
}

/** An object with an own property of any name, `__proto__` included (a literal would set the prototype instead). */
export function own(key: string, value: unknown, base: Record<string, unknown> = {}): Record<string, unknown> {
  const target = { ...base };
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return target;
}

const nestArrays = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};
const nestObjects = (depth: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

const binaryValues = (): unknown[] => [Buffer.from([0xde, 0xad, 0xbe, 0xef]), new Uint8Array([1, 2, 3])];
const pollution = () => ({ polluted: 'yes' });

/** Values no string field accepts. */
const notStrings = (): unknown[] => [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  [],
  ['a'],
  {},
  { a: 1 },
  nestArrays(300, 'x'),
  nestObjects(300),
  ...binaryValues(),
];

const badIdentifiers = ['', ' ', 'has space', 'a/b', 'semi;colon', 'x'.repeat(129), '\uD800', 'é', 'tab\t', '../../etc/passwd', '<script>', 'a\u0000b'];
const badToolNames = ['', 'has space', 'x'.repeat(129), '\uDFFF', 'semi;', 'new\nline'];
const badLabels = (max: number) => ['', 'x'.repeat(max + 1), 'line\nbreak', 'nul\u0000', '\uD800', 'tab\t', 'cr\r'];
const badTexts = (max: number) => ['x'.repeat(max + 1), 'nul\u0000', '\uD800 lone', 'bell\u0007', 'del\u007f', 'esc\u001b[31m'];
const badQueues = ['', '-dash', '.dot', 'has space', 'x'.repeat(65), 'a/b', 'ü', '\uD800'];

/** Argument objects that are not plain JSON objects, or hold something JSON cannot or must not hold. */
const badArgs = (): unknown[] => [
  null,
  true,
  0,
  'a string',
  [],
  [1, 2],
  ...binaryValues(),
  own('__proto__', pollution()),
  own('constructor', { prototype: pollution() }),
  { prototype: 1 },
  { nested: own('__proto__', pollution()) },
  { list: [{ ok: 1 }, own('constructor', 1)] },
  { deep: nestObjects(70) },
  { deep: nestArrays(100, 'x') },
  { text: 'lone \uD800 surrogate' },
  own('\uDC00', 1),
  { blob: Buffer.from('binary') },
  { list: [1, new Uint8Array(2)] },
];

const badTimeouts = (): unknown[] => [null, true, '1000', 1.5, 0, -1, 999, 86_400_001, 1e15, 1e308, 2 ** 53 + 2, [], {}];
const badBooleans = (): unknown[] => [null, 'true', 'false', 1, 0, [], {}, [true]];

interface FieldSpec {
  required: boolean;
  invalid: () => unknown[];
}

interface EventSpec {
  nsp: SocketCase['nsp'];
  event: string;
  valid: () => Record<string, unknown>;
  fields: Record<string, FieldSpec>;
  /** Operators that only make sense for this event (each returns an invalid payload). */
  special?: () => Record<string, unknown>[];
}

const str = (bad: string[]) => () => [...bad, ...notStrings()];

let idCounter = 0;
const freshId = () => `fuzz-${++idCounter}`;

/** One entry per command of the protocol's event table (`hostile-input.test.ts` checks none is missing). */
export const socketEvents: EventSpec[] = [
  {
    nsp: '/agent',
    event: 'approval.request',
    valid: () => ({ requestId: freshId(), toolName: 'delete_pod', args: { name: 'web-1' }, runId: 'run-1' }),
    fields: {
      requestId: { required: true, invalid: str(badIdentifiers) },
      toolName: { required: true, invalid: str(badToolNames) },
      args: { required: true, invalid: badArgs },
      runId: { required: true, invalid: str(badLabels(256)) },
      agentName: { required: false, invalid: str(badLabels(128)) },
      conversationId: { required: false, invalid: str(badLabels(256)) },
      description: { required: false, invalid: str(badTexts(4000)) },
      queue: { required: false, invalid: str(badQueues) },
      timeoutMs: { required: false, invalid: badTimeouts },
    },
  },
  {
    nsp: '/agent',
    event: 'approval.sync',
    valid: () => ({ requestIds: [freshId()] }),
    fields: {
      requestIds: {
        required: true,
        // Not `notStrings()`: an empty array or `['a']` is a valid list of ids.
        invalid: () => [
          null,
          true,
          0,
          1.5,
          'a-string',
          {},
          { a: 1 },
          nestObjects(300),
          nestArrays(300, 'x'),
          ...binaryValues(),
          ...badIdentifiers.map((id) => [id]),
          [1],
          [null],
          [{}],
          [['nested']],
          Array.from({ length: 1001 }, (_, i) => `id-${i}`),
        ],
      },
    },
  },
  {
    nsp: '/agent',
    event: 'approval.cancel',
    valid: () => ({ requestId: freshId(), reason: 'changed my mind' }),
    fields: {
      requestId: { required: true, invalid: str(badIdentifiers) },
      reason: { required: false, invalid: str(badTexts(2000)) },
    },
  },
  {
    nsp: '/reviewer',
    event: 'queue.subscribe',
    valid: () => ({ queues: ['ops'] }),
    fields: {
      queues: {
        required: false,
        invalid: () => [null, 'ops', 1, true, {}, ...binaryValues(), ...badQueues.map((q) => [q]), [1], [null], [['ops']], Array.from({ length: 101 }, (_, i) => `q${i}`)],
      },
    },
  },
  {
    nsp: '/reviewer',
    event: 'queue.page',
    valid: () => ({ cursor: 'opaque-cursor_1', limit: 50 }),
    fields: {
      cursor: { required: true, invalid: str(['', 'x'.repeat(201), 'has space', 'a/b', 'a.b', 'ü', '\uD800', 'nul\u0000']) },
      limit: { required: false, invalid: () => [null, true, '10', 1.5, 0, -1, 501, 1e308, [], {}] },
    },
  },
  {
    nsp: '/reviewer',
    event: 'approval.response',
    valid: () => ({ requestId: freshId(), approved: true, reason: 'fine' }),
    fields: {
      requestId: { required: true, invalid: str(badIdentifiers) },
      approved: { required: true, invalid: badBooleans },
      reason: { required: false, invalid: str(badTexts(2000)) },
      args: { required: false, invalid: badArgs },
    },
    // Edited arguments only come with an approval.
    special: () => [{ requestId: freshId(), approved: false, args: { name: 'edited' } }],
  },
  {
    nsp: '/reviewer',
    event: 'approval.get',
    valid: () => ({ requestId: freshId() }),
    fields: { requestId: { required: true, invalid: str(badIdentifiers) } },
  },
];

const EXTRA_KEYS = ['extra', '__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'REQUESTID', '', 'x'.repeat(200), '\uD800'];
const extraValues = (): unknown[] => [1, null, pollution()];
const notObjects = (): unknown[] => [null, 0, 1, -1, true, false, '', 'a string', [], [{}], nestArrays(500, 1), ...binaryValues()];

const UNKNOWN_EVENTS = ['approval.requests', 'APPROVAL.REQUEST', '', ' ', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'x'.repeat(300), 'approval.resolved', 'queue.unsubscribe'];

function hasBinary(value: unknown, depth = 0): boolean {
  if (depth > 600) return false;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return true;
  if (Array.isArray(value)) return value.some((v) => hasBinary(v, depth + 1));
  if (value && typeof value === 'object') return Object.values(value).some((v) => hasBinary(v, depth + 1));
  return false;
}

/** Applies one invalidating operator to `payload` (a fresh copy) and says which. */
function mutate(spec: EventSpec, payload: Record<string, unknown>, rng: Random): { payload: Record<string, unknown>; label: string } {
  const names = Object.keys(spec.fields);
  const required = names.filter((n) => spec.fields[n]!.required);
  for (;;) {
    const op = rng.int(0, 2);
    if (op === 0 && required.length > 0) {
      const field = rng.pick(required);
      if (!(field in payload)) continue;
      const copy = { ...payload };
      delete copy[field];
      return { payload: copy, label: `missing ${field}` };
    }
    if (op === 1) {
      const field = rng.pick(names);
      const value = rng.pick(spec.fields[field]!.invalid());
      return { payload: own(field, value, payload), label: `${field}=${describe(value)}` };
    }
    if (op === 2) {
      const key = rng.pick(EXTRA_KEYS);
      if (key in spec.fields) continue;
      return { payload: own(key, rng.pick(extraValues()), payload), label: `extra key ${describe(key)}` };
    }
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `<${value.constructor.name} ${value.length}>`;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Every deterministic case for one event, then `extra` random combinations of 1 to 3 operators. */
export function socketCases(rng: Random, extra: number): SocketCase[] {
  const cases: SocketCase[] = [];
  const add = (spec: EventSpec, args: unknown[], label: string, withAck = true) =>
    cases.push({ nsp: spec.nsp, event: spec.event, args, withAck, binary: hasBinary(args), label: `${spec.event}: ${label}` });

  for (const spec of socketEvents) {
    for (const [field, f] of Object.entries(spec.fields)) {
      if (f.required) {
        const payload = spec.valid();
        delete payload[field];
        add(spec, [payload], `missing ${field}`);
      }
      for (const value of f.invalid()) add(spec, [own(field, value, spec.valid())], `${field}=${describe(value)}`);
    }
    for (const key of EXTRA_KEYS) {
      if (key in spec.fields) continue;
      for (const value of extraValues()) add(spec, [own(key, value, spec.valid())], `extra key ${describe(key)}`);
    }
    for (const payload of spec.special?.() ?? []) add(spec, [payload], 'special');
    for (const value of notObjects()) add(spec, [value], `payload ${describe(value)}`);
    add(spec, [], 'no payload');
    add(spec, [spec.valid(), spec.valid()], 'two payloads');
    add(spec, [spec.valid(), 42], 'payload and a number');
    add(spec, [spec.valid()], 'no ack function', false);
    add(spec, [spec.valid(), 'not a function'], 'a string where the ack goes', false);
  }
  for (const nsp of ['/agent', '/reviewer'] as const) {
    for (const event of UNKNOWN_EVENTS) {
      cases.push({ nsp, event, args: [{ requestId: freshId() }], withAck: true, binary: false, label: `unknown event ${describe(event)} on ${nsp}` });
    }
  }

  for (let i = 0; i < extra; i++) {
    const spec = rng.pick(socketEvents);
    let payload = spec.valid();
    const labels: string[] = [];
    const ops = rng.int(1, 3);
    for (let k = 0; k < ops; k++) {
      const next = mutate(spec, payload, rng);
      payload = next.payload;
      labels.push(next.label);
    }
    add(spec, [payload], labels.join(' + '));
  }
  return cases;
}

const encode = (id: string) => encodeURIComponent(id);
const badPathIds = [...badIdentifiers.filter((id) => id !== '' && !id.includes('/') && id.isWellFormed()), 'x'.repeat(500), 'percent%25sign'].map(encode);
/** Percent-encodings that do not decode: a strict server must still answer 400, not 500. */
const brokenEscapes = ['%ZZ', '%E0%A4%A', '%', 'abc%', '%C3%28', '%ED%A0%80'];

/** JSON text that is not JSON, not UTF-8, or holds numbers JSON cannot carry. */
const rawBodies = (): (string | Buffer)[] => [
  '',
  ' ',
  '{',
  '[',
  'nul',
  'undefined',
  '{"a":}',
  '{"requestId":"a",}',
  '{}x',
  "{'single':'quotes'}",
  // One byte order mark may be ignored (RFC 8259); a second one is not JSON.
  '\uFEFF\uFEFF{}',
  '{"toolName":"t","runId":"r","requestId":"r-1","args":{"n":1e400}}',
  '{"toolName":"t","runId":"r","requestId":"r-2","args":{},"timeoutMs":1e400}',
  '{"toolName":"t","runId":"r","requestId":"r-3","args":{"__proto__":{"polluted":"yes"}}}',
  '{"toolName":"t","runId":"r","requestId":"r-4","args":{},"__proto__":{"polluted":"yes"}}',
  '['.repeat(5000) + ']'.repeat(5000),
  Buffer.concat([Buffer.from('{"toolName":"t","runId":"r","requestId":"utf8-1","args":{"s":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]),
  Buffer.concat([Buffer.from('{"toolName":"t","runId":"r","requestId":"utf8-2","args":{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]),
  Buffer.concat([Buffer.from('{"toolName":"t","runId":"r","requestId":"utf8-3","args":{"s":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}')]),
  Buffer.concat([Buffer.from('{"approved":true,"reason":"'), Buffer.from([0x80]), Buffer.from('"}')]),
  Buffer.from([0xff, 0xff, 0xff, 0xff]),
];

const badQueries: Record<string, string[]> = {
  '/api/approvals': [
    'bogus=1',
    'limit=0',
    'limit=-1',
    'limit=501',
    'limit=abc',
    'limit=1.5',
    'limit=',
    'status=bogus',
    'status=pending,bogus',
    'status=,',
    'queue=has%20space',
    'queue=-x',
    `agentName=${'x'.repeat(129)}`,
    'toolName=has%20space',
    `conversationId=${'x'.repeat(257)}`,
    'cursor=!',
    `cursor=${'a'.repeat(201)}`,
    'cursor=zzzz',
    '__proto__=1',
    'constructor=1',
  ],
  '/api/audit': [
    'type=bogus',
    'type=decided,bogus',
    'since=yesterday',
    'until=2020-13-45T99:00:00Z',
    'limit=0',
    'limit=x',
    `requestId=${'x'.repeat(129)}`,
    'queue=%20',
    'cursor=%2F%2F',
    'extra=1',
    '__proto__=1',
  ],
};

/** REST twins of the socket cases (JSON bodies), plus what only HTTP can carry: raw bytes, paths and queries. */
export function restCases(socket: readonly SocketCase[], rng: Random, extra: number): RestCase[] {
  const cases: RestCase[] = [];
  for (const c of socket) {
    if (c.binary || !c.withAck || c.args.length !== 1) continue;
    const body = JSON.stringify(c.args[0]);
    if (c.event === 'approval.request') cases.push({ method: 'POST', path: '/api/approvals', token: 'agent', body, label: `POST /api/approvals ${c.label}` });
    // The decision and cancel bodies carry no requestId (it is in the path): only cases that stay invalid without it.
    const payload = c.args[0];
    const isObject = payload !== null && typeof payload === 'object' && !Array.isArray(payload);
    if (c.event === 'approval.response') {
      if (!isObject) cases.push({ method: 'POST', path: '/api/approvals/some-id/decision', token: 'reviewer', body, label: `POST decision ${c.label}` });
      else if (!c.label.includes('requestId')) {
        const { requestId: _ignored, ...decision } = payload as Record<string, unknown>;
        cases.push({ method: 'POST', path: '/api/approvals/some-id/decision', token: 'reviewer', body: JSON.stringify(decision), label: `POST decision ${c.label}` });
      }
    }
    if (c.event === 'approval.cancel') {
      if (!isObject) cases.push({ method: 'POST', path: '/api/approvals/some-id/cancel', token: 'agent', body, label: `POST cancel ${c.label}` });
      else if (/reason=|extra key/.test(c.label)) {
        const { requestId: _ignored, ...cancel } = payload as Record<string, unknown>;
        cases.push({ method: 'POST', path: '/api/approvals/some-id/cancel', token: 'agent', body: JSON.stringify(cancel), label: `POST cancel ${c.label}` });
      }
    }
  }
  // Only serialised values may be broken at random below: cutting a raw body can leave valid JSON ("{}x" → "{}").
  const jsonTwins = cases.filter((c) => typeof c.body === 'string' && c.body.length > 1);
  for (const body of rawBodies()) {
    cases.push({ method: 'POST', path: '/api/approvals', token: 'agent', body, label: `POST /api/approvals raw ${describe(body.toString())}` });
    cases.push({ method: 'POST', path: '/api/approvals/some-id/decision', token: 'reviewer', body, label: `POST decision raw ${describe(body.toString())}` });
    if (body.length > 0 && body.toString().trim() !== '') {
      cases.push({ method: 'POST', path: '/api/approvals/some-id/cancel', token: 'agent', body, label: `POST cancel raw ${describe(body.toString())}` });
    }
  }
  for (const id of [...badPathIds, ...brokenEscapes]) {
    cases.push({ method: 'GET', path: `/api/approvals/${id}`, token: 'reviewer', label: `GET approval id ${id}` });
    cases.push({ method: 'GET', path: `/api/approvals/${id}/wait?timeoutMs=0`, token: 'agent', label: `GET wait id ${id}` });
    cases.push({ method: 'POST', path: `/api/approvals/${id}/decision`, token: 'reviewer', body: '{"approved":true}', label: `POST decision id ${id}` });
    cases.push({ method: 'POST', path: `/api/approvals/${id}/cancel`, token: 'agent', body: '', label: `POST cancel id ${id}` });
  }
  for (const [route, queries] of Object.entries(badQueries)) {
    for (const q of queries) cases.push({ method: 'GET', path: `${route}?${q}`, token: 'reviewer', label: `GET ${route}?${q.slice(0, 40)}` });
  }
  for (const q of ['timeoutMs=abc', 'timeoutMs=-1', 'timeoutMs=120001', 'timeoutMs=1.5', 'other=1']) {
    cases.push({ method: 'GET', path: `/api/approvals/some-id/wait?${q}`, token: 'agent', label: `GET wait ?${q}` });
  }

  // Random fill, so the count scales: a JSON twin broken so it cannot be JSON any more (a raw control character
  // anywhere, cut short, or trailing garbage), or two bad query parameters.
  for (let i = 0; i < extra; i++) {
    if (rng.chance(0.7)) {
      const base = rng.pick(jsonTwins);
      const text = base.body as string;
      const how = rng.int(0, 2);
      // Never cut to nothing: an empty cancel body is valid (no reason).
      const at = rng.int(1, text.length - 1);
      const body =
        how === 0 ? text.slice(0, at) + String.fromCharCode(rng.pick([0, 1, 7, 8, 11, 12, 27, 31])) + text.slice(at) : how === 1 ? text.slice(0, at) : `${text} ${rng.pick(['x', '{}', ',', '"'])}`;
      cases.push({ ...base, body, label: `${base.label} (${['control char', 'cut', 'trailing junk'][how]} at ${at})` });
    } else {
      const [route, queries] = rng.pick(Object.entries(badQueries));
      const q = `${rng.pick(queries)}&${rng.pick(queries)}`;
      cases.push({ method: 'GET', path: `${route}?${q}`, token: 'reviewer', label: `GET ${route}?${q.slice(0, 60)}` });
    }
  }
  return cases;
}
