import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  ApprovalRequestInput,
  ReviewerDecision,
  ToolArgs,
  ackSchema,
  ApprovalRecord,
  type Ack,
  type AgentClientToServerEvents,
  type ApprovalResponse,
} from '../src/index.js';

const valid = { requestId: 'req-1', toolName: 'delete_pod', args: { name: 'web-1' }, runId: 'run-1' };

describe('ApprovalRequestInput', () => {
  it('accepts the minimal request', () => {
    expect(ApprovalRequestInput.safeParse(valid).success).toBe(true);
  });

  it.each([
    ['missing requestId', { ...valid, requestId: undefined }],
    ['extra field', { ...valid, admin: true }],
    ['args not an object', { ...valid, args: [1, 2] }],
    ['non-finite number', { ...valid, args: { n: Number.POSITIVE_INFINITY } }],
    ['lone surrogate', { ...valid, args: { s: 'a\uD800b' } }],
    ['prototype key', { ...valid, args: JSON.parse('{"__proto__": {"polluted": true}}') }],
    ['constructor key deep', { ...valid, args: { a: { constructor: { prototype: {} } } } }],
    ['binary value', { ...valid, args: { blob: new Uint8Array([1, 2]) } }],
    ['timeout too small', { ...valid, timeoutMs: 10 }],
    ['requestId with spaces', { ...valid, requestId: 'a b' }],
    ['agentName with newline', { ...valid, agentName: 'a\nb' }],
  ])('refuses %s', (_name, payload) => {
    expect(ApprovalRequestInput.safeParse(payload).success).toBe(false);
  });

  it('refuses nesting deeper than the limit but keeps moderate depth', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) {
      deep.next = {};
      deep = deep.next as Record<string, unknown>;
    }
    expect(ToolArgs.safeParse(root).success).toBe(false);
    let moderate: Record<string, unknown> = { leaf: 'ok' };
    for (let i = 0; i < 20; i++) moderate = { next: moderate };
    expect(ToolArgs.safeParse(moderate).success).toBe(true);
  });
});

describe('ReviewerDecision', () => {
  it('refuses edited args on a denial', () => {
    const result = ReviewerDecision.safeParse({ requestId: 'r', approved: false, args: { x: 1 } });
    expect(result.success).toBe(false);
  });

  it('accepts an edit', () => {
    expect(ReviewerDecision.safeParse({ requestId: 'r', approved: true, args: { x: 1 } }).success).toBe(true);
  });
});

describe('ack envelope', () => {
  it('parses both arms and refuses unknown codes', () => {
    const schema = ackSchema(ApprovalRecord);
    expect(schema.safeParse({ ok: false, error: { code: 'expired', message: 'late' } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'oops', message: 'x' } }).success).toBe(false);
  });

  it('types the agent events with the shared envelope', () => {
    type RequestAck = Parameters<Parameters<AgentClientToServerEvents['approval.request']>[1]>[0];
    expectTypeOf<RequestAck>().toEqualTypeOf<Ack<ApprovalRecord>>();
    expectTypeOf<ApprovalResponse['decidedBy']>().toEqualTypeOf<ApprovalRecord extends { decision?: infer D } ? NonNullable<D> extends { decidedBy: infer B } ? B : never : never>();
  });
});
